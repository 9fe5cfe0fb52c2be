//! How the page calls its server functions: the browser's `fetch`, as Leptos's own client does,
//! but a redirect the server sends with an error is followed too. A session signed out from
//! elsewhere is refused with 401 and the signed-out page to go to; Leptos's client follows a
//! redirect only after a success.

use std::future::Future;

use leptos::server_fn::{
    client::{Client, browser::BrowserClient},
    redirect::call_redirect_hook,
    response::ClientRes,
};

pub struct FetchClient;

impl<E, IS, OS> Client<E, IS, OS> for FetchClient
where
    BrowserClient: Client<E, IS, OS>,
{
    type Request = <BrowserClient as Client<E, IS, OS>>::Request;
    type Response = <BrowserClient as Client<E, IS, OS>>::Response;

    fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        let sent = <BrowserClient as Client<E, IS, OS>>::send(req);
        async move {
            let response = sent.await?;
            if (400..=599).contains(&response.status()) && response.has_redirect() {
                call_redirect_hook(&response.location());
            }
            Ok(response)
        }
    }

    #[allow(clippy::type_complexity)]
    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl futures::Stream<Item = Result<bytes::Bytes, bytes::Bytes>> + Send + 'static,
                impl futures::Sink<bytes::Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, IS, OS>>::spawn(future);
    }
}
