//! Area `images`: build, import, tag, inspect, history, list, save and load,
//! commit, delete, prune, and the registry endpoints (which need a registry
//! that dockhand, offline, does not have: their success paths are skipped).

mod build;
mod commit;
mod delete;
mod import;
mod list;
mod prune;
mod registry;
mod save;
mod support;

use dockhand_engine::ApiVersion;
use dockhand_harness::Check;

/// The checks of the area, registered in one place.
pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check::new(
            "images/build/dockerfile",
            "build FROM the probe with a build arg, COPY, ENV, ENTRYPOINT and labels; the stream ends with the image id, history lists the steps, a container shows the file and environment",
            |ctx| Box::pin(build::run_dockerfile(ctx)),
        )
        .tags(&["build", "history"])
        .min_api(ApiVersion::new(1, 30))
        .reference(&["ImageBuild", "ImageInspect", "ImageHistory", "ContainerCreate", "ContainerStart"]),
        Check::new(
            "images/build/failures",
            "a Dockerfile syntax error is refused before the build (400); a COPY of a missing file and a failing RUN report error and errorDetail in the stream and tag nothing",
            |ctx| Box::pin(build::run_failure(ctx)),
        )
        .tags(&["build", "errors"])
        .variants(&["unknown-instruction", "copy-missing", "run-fails"])
        .reference(&["ImageBuild"]),
        Check::new(
            "images/import/from-src",
            "import a rootfs tar from the request body (fromSrc=-) with repo, tag, message and changes; inspect shows them and a container's filesystem holds the file",
            |ctx| Box::pin(import::run_from_src(ctx)),
        )
        .tags(&["import"])
        .reference(&["ImageCreate", "ImageInspect", "ImageHistory", "ContainerCreate", "ContainerArchive"]),
        Check::new(
            "images/tag/create",
            "tag an image twice (201); inspect and a reference-filtered list show both tags; re-tagging moves a tag to another image",
            |ctx| Box::pin(import::run_tag(ctx)),
        )
        .tags(&["tag"])
        .reference(&["ImageTag", "ImageInspect", "ImageList"]),
        Check::new(
            "images/tag/errors",
            "tagging a missing image is 404; an invalid or upper-case repository name is 400 bad parameter",
            |ctx| Box::pin(import::run_tag_error(ctx)),
        )
        .tags(&["tag", "errors"])
        .variants(&["missing-image", "invalid-repo", "uppercase-repo"])
        .reference(&["ImageTag"]),
        Check::new(
            "images/inspect/fields",
            "inspect the probe by tag, full id and short id: the documented fields with their types; a missing image is 404",
            |ctx| Box::pin(import::run_inspect(ctx)),
        )
        .tags(&["inspect", "smoke"])
        .reference(&["ImageInspect"]),
        Check::new(
            "images/list/filters",
            "list images with the label, reference, dangling and before/since filters; each returns exactly the case's matching images with the summary fields",
            |ctx| Box::pin(list::run(ctx)),
        )
        .tags(&["list"])
        .variants(&["label", "reference", "dangling", "before-since"])
        .reference(&["ImageList"]),
        Check::new(
            "images/save/one",
            "save one image by tag (manifest names its config, whose digest is the image id, its tag and layers) and by id (no repositories file); delete it and load the archive back to the same id",
            |ctx| Box::pin(save::run_one(ctx)),
        )
        .tags(&["save", "load"])
        .reference(&["ImageGet", "ImageLoad", "ImageDelete", "ImageInspect"]),
        Check::new(
            "images/save/several",
            "save two images in one archive (names=a&names=b): one manifest entry each; delete both and load them back, quietly, to the same ids",
            |ctx| Box::pin(save::run_all(ctx)),
        )
        .tags(&["save", "load"])
        .reference(&["ImageGetAll", "ImageLoad", "ImageDelete", "ImageInspect"]),
        Check::new(
            "images/commit/changes",
            "commit a container that wrote a file, with repo, tag, comment, author and changes (ENV, LABEL, CMD): 201 with the id; inspect shows them and a container of the image prints the file",
            |ctx| Box::pin(commit::run_changes(ctx)),
        )
        .tags(&["commit"])
        .reference(&["ImageCommit", "ImageInspect", "ContainerCreate", "ContainerStart", "ContainerWait"]),
        Check::new(
            "images/commit/missing-container",
            "commit of a container that does not exist is 404",
            |ctx| Box::pin(commit::run_missing(ctx)),
        )
        .tags(&["commit", "errors"])
        .reference(&["ImageCommit"]),
        Check::new(
            "images/delete/in-use",
            "deleting an image a stopped container uses is 409 by tag and by id; force untags and deletes it (200), the container stays; deleting it again is 404",
            |ctx| Box::pin(delete::run_in_use(ctx)),
        )
        .tags(&["delete", "errors"])
        .reference(&["ImageDelete", "ImageInspect", "ContainerCreate", "ContainerInspect"]),
        Check::new(
            "images/delete/tags",
            "an image with two tags: delete by id is 409, delete by one tag only untags it, delete by the last tag untags and deletes",
            |ctx| Box::pin(delete::run_tags(ctx)),
        )
        .tags(&["delete", "tag"])
        .reference(&["ImageDelete", "ImageTag", "ImageInspect"]),
        Check::new(
            "images/delete/parents",
            "deleting a committed image also deletes its untagged parent, unless noprune=1",
            |ctx| Box::pin(delete::run_parents(ctx)),
        )
        .tags(&["delete", "commit"])
        .variants(&["prune", "noprune"])
        .reference(&["ImageDelete", "ImageCommit", "ImageInspect", "ContainerDelete"]),
        Check::new(
            "images/prune/filters",
            "prune with dangling=true removes only untagged images; dangling=false removes every unused one but keeps an image a container uses; the reply lists them and the space reclaimed",
            |ctx| Box::pin(prune::run(ctx)),
        )
        .tags(&["prune"])
        .min_api(ApiVersion::new(1, 29))
        .variants(&["dangling", "all-unused"])
        .reference(&["ImagePrune", "ImageInspect"]),
        Check::new(
            "images/registry/unreachable",
            "pull, push, search and distribution inspect against a registry that refuses connections fail with the documented status and a message naming it",
            |ctx| Box::pin(registry::run(ctx)),
        )
        .tags(&["registry", "errors"])
        .min_api(ApiVersion::new(1, 30))
        .variants(&["pull", "push", "search", "distribution"])
        .reference(&["ImageCreate", "ImagePush", "ImageSearch", "DistributionInspect", "ImageTag"]),
        Check::new(
            "images/registry/push-missing",
            "push of an image that does not exist locally is 404 no such image",
            |ctx| Box::pin(registry::run_push_missing(ctx)),
        )
        .tags(&["registry", "errors"])
        .reference(&["ImagePush"]),
    ]
}
