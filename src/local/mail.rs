//! A mail server on a loopback port for local mode: the app sends its notices over SMTP exactly
//! as it would to Amazon SES, and they land in the local Authsignal's outbox, where a developer
//! already reads codes. Just enough of RFC 5321 for one trusted client: no TLS, no AUTH, no relay.

use std::{io, net::SocketAddr, sync::Arc};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    time::{Duration, timeout},
};
use tracing::{info, warn};

/// A message as it was handed over: the envelope and the raw RFC 5322 text.
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

/// Where each message goes once received.
pub type Deliver = Arc<dyn Fn(Received) + Send + Sync>;

/// Bigger messages are refused: notices are a few kilobytes.
const MAX_MESSAGE: usize = 1024 * 1024;
/// A client silent this long is dropped.
const IDLE: Duration = Duration::from_secs(60);

/// Starts listening on `addr`; answers the `smtp://` URL the app sends to.
pub async fn start(addr: SocketAddr, deliver: Deliver) -> io::Result<String> {
    let listener = TcpListener::bind(addr).await.map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("the local mail server could not listen on {addr}: {error}"),
        )
    })?;
    let url = format!("smtp://{}", listener.local_addr()?);
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let deliver = deliver.clone();
                    tokio::spawn(async move {
                        if let Err(error) = session(stream, deliver).await {
                            warn!(%error, "a local mail session ended early");
                        }
                    });
                }
                Err(error) => warn!(%error, "the local mail server could not accept"),
            }
        }
    });
    info!(%url, "local mail server started");
    Ok(url)
}

async fn session(stream: TcpStream, deliver: Deliver) -> io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    writer
        .write_all(b"220 localhost ESMTP local mail for Account Security\r\n")
        .await?;
    let mut from = None::<String>;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if timeout(IDLE, reader.read_line(&mut line)).await?? == 0 {
            return Ok(());
        }
        let command = line.trim_end();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-localhost\r\n250-8BITMIME\r\n250 SIZE 1048576\r\n",
            "HELO" => b"250 localhost\r\n",
            "MAIL" => {
                from = Some(address(command));
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" if from.is_some() => {
                to.push(address(command));
                b"250 OK\r\n"
            }
            "RCPT" => b"503 MAIL first\r\n",
            "DATA" if !to.is_empty() => {
                writer.write_all(b"354 End with <CRLF>.<CRLF>\r\n").await?;
                match read_data(&mut reader).await? {
                    Some(raw) => {
                        deliver(Received {
                            from: from.take().unwrap_or_default(),
                            to: std::mem::take(&mut to),
                            raw,
                        });
                        b"250 OK: queued\r\n"
                    }
                    None => b"552 Message too big\r\n",
                }
            }
            "DATA" => b"503 RCPT first\r\n",
            "RSET" => {
                from = None;
                to.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                writer.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Not implemented\r\n",
        };
        writer.write_all(reply).await?;
    }
}

/// `MAIL FROM:<a@b> SIZE=1` → `a@b`; some clients leave the brackets out.
fn address(command: &str) -> String {
    let argument = command.split_once(':').map_or("", |(_, rest)| rest).trim();
    match argument
        .strip_prefix('<')
        .and_then(|rest| rest.split_once('>'))
    {
        Some((address, _)) => address.trim().to_owned(),
        None => argument
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The message up to the lone `.`, with dot-stuffing undone; `None` when it is too big (the
/// rest is still read, so the session can go on).
async fn read_data(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> io::Result<Option<Vec<u8>>> {
    let mut message = Vec::new();
    let mut too_big = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        if timeout(IDLE, reader.read_until(b'\n', &mut line)).await?? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok((!too_big).then_some(message));
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        if message.len() + unstuffed.len() > MAX_MESSAGE {
            too_big = true;
        } else {
            message.extend_from_slice(unstuffed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_addresses_are_read_from_their_brackets() {
        assert_eq!(
            address("MAIL FROM:<no-reply@localhost> SIZE=12"),
            "no-reply@localhost"
        );
        assert_eq!(address("RCPT TO:<jane@example.com>"), "jane@example.com");
        assert_eq!(address("RCPT TO: jane@example.com"), "jane@example.com");
    }
}
