//! The server as an AWS Lambda function: the same router, fed API Gateway (HTTP API, payload
//! 2.0) and function URL events by `lambda_http`. A Lambda has no socket peer, so the client
//! address API Gateway saw (`requestContext.http.sourceIp`) stands in for it: rate limits and
//! the activity log see the real client.

use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
};

use axum::{Router, body::Body, extract::ConnectInfo, response::Response};
use lambda_http::{RequestExt, request::RequestContext};
use tower::{Service, ServiceExt, service_fn};

/// The router as a Lambda handler.
pub fn handler(
    router: Router,
) -> impl Service<lambda_http::Request, Response = Response, Error = Infallible, Future: Send> + Clone
{
    service_fn(move |request: lambda_http::Request| {
        let router = router.clone();
        async move {
            let source = source_ip(&request);
            let (mut parts, body) = request.into_parts();
            if let Some(ip) = source {
                parts.extensions.insert(ConnectInfo(SocketAddr::new(ip, 0)));
            }
            let body = Body::from(body.to_vec());
            router
                .oneshot(axum::http::Request::from_parts(parts, body))
                .await
        }
    })
}

fn source_ip(request: &lambda_http::Request) -> Option<IpAddr> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context.http.source_ip.as_deref()?.parse().ok(),
        // Other event sources, should the build enable them.
        #[allow(unreachable_patterns)]
        _ => None,
    }
}
