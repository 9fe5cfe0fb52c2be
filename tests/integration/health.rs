use crate::support::TestApp;

#[tokio::test]
async fn liveness_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let client = crate::support::client();
    let live = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(live.status(), 200);
    assert_eq!(live.text().await.unwrap(), "ok");
    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn the_start_page_is_served_whole_without_the_bundle() {
    let app = TestApp::spawn().await;
    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<h1>Account security</h1>"), "{html}");
    assert!(!html.contains("/pkg/account-security.js"), "{html}");
}
