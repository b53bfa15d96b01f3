//! `objects::remove` against this machine's engine: two removers racing on
//! one running container both succeed (Docker answers the second with 409
//! "removal of container … is already in progress").

use dockhand_engine::{ConnectOptions, Deadlines, Endpoint, Engine, Request};
use dockhand_harness::context::object_labels;
use dockhand_harness::objects::{remove, ObjectKind};
use dockhand_harness::ProbeImage;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_removers_of_one_container_both_succeed() {
    let engine = Engine::connect(ConnectOptions {
        endpoint: Endpoint::resolve(None).unwrap(),
        deadlines: Deadlines::default(),
        pinned_version: None,
    })
    .await
    .expect("this test needs the machine's Docker engine");
    let probe = ProbeImage::new();
    probe.ensure(&engine).await.unwrap();
    let run = format!("t{:07x}", std::process::id());
    let mut conflicts = 0;
    for round in 0..5 {
        // A running container: a forced remove kills it first, which leaves
        // the other DELETEs a window in which the removal is in progress.
        let labels = object_labels(&run, "test/objects", &format!("test/objects#{round}"));
        let cfg = json!({"Image": probe.reference(), "Cmd": ["idle"], "Labels": labels});
        let id = engine.container_create(None, &cfg).await.unwrap().ok().unwrap();
        let id = id.json::<serde_json::Value>().unwrap()["Id"]
            .as_str()
            .unwrap()
            .to_string();
        engine.container_start(&id).await.unwrap().ok().unwrap();

        // What the engine says to a second remover, seen raw once per round.
        let (a, b, raw) = tokio::join!(
            remove(&engine, ObjectKind::Container, &id),
            remove(&engine, ObjectKind::Container, &id),
            engine.send(Request::delete(format!("/containers/{id}")).query("force", true)),
        );
        a.unwrap();
        b.unwrap();
        if raw.unwrap().status.as_u16() == 409 {
            conflicts += 1;
        }
        let gone = engine
            .send(Request::get(format!("/containers/{id}/json")))
            .await
            .unwrap();
        assert_eq!(gone.status.as_u16(), 404, "container {id} is still there");
    }
    eprintln!("the raw third remover got 409 in {conflicts} of 5 rounds");
}
