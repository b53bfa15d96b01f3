//! Area `system`: ping, version, info, events and data usage.

mod df;
mod events;
mod info;
mod ping;
mod version;

use dockhand_engine::ApiVersion;
use dockhand_engine::Method;
use dockhand_harness::Check;

/// The checks of the area, registered in one place.
pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check::new(
            "system/ping/get",
            "GET /_ping answers 200 \"OK\" with API-Version, Docker-Experimental, OSType, Cache-Control and Pragma",
            |ctx| Box::pin(ping::run(ctx, Method::GET)),
        )
        .tags(&["ping", "smoke"])
        .reference(&["SystemPing", "SystemVersion"]),
        Check::new(
            "system/ping/head",
            "HEAD /_ping answers 200 with an empty body and the same headers as GET",
            |ctx| Box::pin(ping::run(ctx, Method::HEAD)),
        )
        .tags(&["ping", "smoke"])
        .min_api(ApiVersion::new(1, 40))
        .reference(&["SystemPingHead", "SystemVersion"]),
        Check::new(
            "system/version/fields",
            "GET /version has the documented fields, ApiVersion >= MinAPIVersion, an Engine component, and equals the unversioned /version",
            |ctx| Box::pin(version::run_fields(ctx)),
        )
        .tags(&["version", "smoke"])
        .reference(&["SystemVersion"]),
        Check::new(
            "system/version/unsupported",
            "a request under an API version above ApiVersion or below MinAPIVersion gets 400 naming the supported bound",
            |ctx| Box::pin(version::run_unsupported(ctx)),
        )
        .tags(&["version", "errors"])
        .variants(&["too-new", "too-old"])
        .reference(&["SystemVersion"]),
        Check::new(
            "system/info/fields",
            "GET /info has the documented fields, consistent with GET /version (ServerVersion, OSType, KernelVersion)",
            |ctx| Box::pin(info::run_fields(ctx)),
        )
        .tags(&["info", "smoke"])
        .reference(&["SystemInfo", "SystemVersion"]),
        Check::new(
            "system/info/container-counts",
            "GET /info's Containers, ContainersRunning/Paused/Stopped agree with GET /containers/json, including two containers of the check's own",
            |ctx| Box::pin(info::run_counts(ctx)),
        )
        .tags(&["info", "containers"])
        .reference(&["SystemInfo", "ContainerList", "ContainerCreate", "ContainerStart"]),
        Check::new(
            "system/events/container-lifecycle",
            "a labelled container's life streams create, start, die, destroy in order, with the documented fields",
            |ctx| Box::pin(events::run_lifecycle(ctx)),
        )
        .tags(&["events", "smoke"])
        .reference(&["SystemEvents", "ContainerCreate", "ContainerStart", "ContainerDelete"]),
        Check::new(
            "system/events/filters",
            "the type, event and label filters of GET /events let through exactly the matching events",
            |ctx| Box::pin(events::run_filters(ctx)),
        )
        .tags(&["events"])
        .variants(&["type", "event", "label"])
        .reference(&["SystemEvents", "VolumeCreate", "VolumeDelete"]),
        Check::new(
            "system/events/since-until",
            "GET /events with since and a past until replays the events and ends; with a near future until it ends by itself then",
            |ctx| Box::pin(events::run_since_until(ctx)),
        )
        .tags(&["events"])
        .reference(&["SystemEvents"]),
        Check::new(
            "system/events/bad-params",
            "GET /events with since after until, a malformed since, or malformed filters gets 400 bad parameter",
            |ctx| Box::pin(events::run_bad_params(ctx)),
        )
        .tags(&["events", "errors"])
        .variants(&["since-after-until", "bad-since", "bad-filters"])
        .reference(&["SystemEvents"]),
        Check::new(
            "system/df/usage",
            "GET /system/df has LayersSize, the probe image, the check's container and its volume with UsageData, and BuildCache",
            |ctx| Box::pin(df::run(ctx)),
        )
        .tags(&["df"])
        .reference(&["SystemDataUsage", "VolumeCreate", "ContainerCreate"]),
    ]
}
