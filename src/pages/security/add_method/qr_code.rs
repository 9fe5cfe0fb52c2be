use leptos::prelude::*;
use qrcode::{Color, EcLevel, QrCode as Symbol};

use crate::i18n::tr;

/// The light border scanners need around a QR code, in modules.
const QUIET_ZONE: usize = 4;

/// A QR code of `text`, drawn in the page as one SVG path: the text never leaves the browser.
/// `label` is what a screen reader says instead of the code, so it never reads `text` aloud.
#[component]
pub fn QrCode(text: String, label: &'static str) -> impl IntoView {
    // Medium correction, the level authenticator apps' own examples use: small enough to scan
    // from a laptop screen at arm's length.
    let drawing = Symbol::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .ok()
        .map(|symbol| (symbol.width(), path_of(&symbol)));
    match drawing {
        Some((width, path)) => {
            let size = width + 2 * QUIET_ZONE;
            view! {
                <svg
                    class="qr-code"
                    role="img"
                    aria-label=label
                    viewBox=format!("0 0 {size} {size}")
                    shape-rendering="crispEdges"
                >
                    <rect width=size height=size fill="#fff" />
                    <path d=path fill="#000" />
                </svg>
            }
            .into_any()
        }
        None => view! {
            <p class="error">{tr::add_app_qr_unavailable()}</p>
        }
        .into_any(),
    }
}

/// One square per dark module, joined into runs along each row to keep the path short.
fn path_of(symbol: &Symbol) -> String {
    let width = symbol.width();
    let colors = symbol.to_colors();
    let mut path = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Dark {
                let start = x;
                while x < width && row[x] == Color::Dark {
                    x += 1;
                }
                path.push_str(&format!(
                    "M{} {}h{}v1h-{}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE,
                    x - start,
                    x - start
                ));
            } else {
                x += 1;
            }
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The squares the path draws, read back.
    fn drawn(path: &str, width: usize) -> Vec<bool> {
        let mut dark = vec![false; width * width];
        for square in path.split('M').filter(|square| !square.is_empty()) {
            let (start, rest) = square.split_once('h').unwrap();
            let (x, y) = start.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let run: usize = rest.split_once('v').unwrap().0.parse().unwrap();
            for column in x..x + run {
                dark[(y - QUIET_ZONE) * width + column - QUIET_ZONE] = true;
            }
        }
        dark
    }

    #[test]
    fn the_path_draws_exactly_the_dark_modules() {
        let symbol = Symbol::with_error_correction_level(
            b"otpauth://totp/Account%20Security:jane%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Account%20Security",
            EcLevel::M,
        )
        .unwrap();
        let expected: Vec<bool> = symbol
            .to_colors()
            .into_iter()
            .map(|color| color == Color::Dark)
            .collect();
        assert_eq!(drawn(&path_of(&symbol), symbol.width()), expected);
    }
}
