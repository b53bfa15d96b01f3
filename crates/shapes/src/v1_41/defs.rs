//! The v1.41 reference's object definitions that the container, image,
//! system, exec, volume and network operations reply with. Each static cites
//! where the reference defines it: `definitions.<Name>`, or, for an object
//! defined inline, the definition or operation it sits in. Written from moby's
//! `api/docs/v1.41.yaml`; descriptions and examples are left out.

use crate::shape::{def, f, Def, Ty, Ty::*};

/// `definitions.ErrorResponse`
pub static ERROR_RESPONSE: Def = def("ErrorResponse", &[f("message", Str).req().nn()]);

/// `definitions.ContainerSummary`
pub static CONTAINER_SUMMARY: Def = def(
    "ContainerSummary",
    &[
        f("Id", Str),
        f("Names", Arr(&Str)),
        f("Image", Str),
        f("ImageID", Str),
        f("Command", Str),
        f("Created", Int),
        f("Ports", Arr(&Ref(&PORT))),
        f("SizeRw", Int),
        f("SizeRootFs", Int),
        f("Labels", Map(&Str)),
        f("State", Str),
        f("Status", Str),
        f("HostConfig", Ref(&CONTAINER_SUMMARY_HOST_CONFIG)),
        f("NetworkSettings", Ref(&CONTAINER_SUMMARY_NETWORK_SETTINGS)),
        f("Mounts", Arr(&Ref(&MOUNT_POINT))),
    ],
);

/// `definitions.Port`
pub static PORT: Def = def(
    "Port",
    &[
        f("IP", Str),
        f("PrivatePort", Int).req().nn(),
        f("PublicPort", Int),
        f("Type", Enum(&["tcp", "udp", "sctp"])).req().nn(),
    ],
);

/// inline in the reference at `ContainerSummary.HostConfig`
pub static CONTAINER_SUMMARY_HOST_CONFIG: Def = def("ContainerSummary.HostConfig", &[f("NetworkMode", Str)]);

/// inline in the reference at `ContainerSummary.NetworkSettings`
pub static CONTAINER_SUMMARY_NETWORK_SETTINGS: Def = def(
    "ContainerSummary.NetworkSettings",
    &[f("Networks", Map(&Ref(&ENDPOINT_SETTINGS)))],
);

/// `definitions.EndpointSettings`
pub static ENDPOINT_SETTINGS: Def = def(
    "EndpointSettings",
    &[
        f("IPAMConfig", Ref(&ENDPOINT_IPAM_CONFIG)),
        f("Links", Arr(&Str)),
        f("Aliases", Arr(&Str)),
        f("NetworkID", Str),
        f("EndpointID", Str),
        f("Gateway", Str),
        f("IPAddress", Str),
        f("IPPrefixLen", Int),
        f("IPv6Gateway", Str),
        f("GlobalIPv6Address", Str),
        f("GlobalIPv6PrefixLen", Int),
        f("MacAddress", Str),
        f("DriverOpts", Map(&Str)),
    ],
);

/// `definitions.EndpointIPAMConfig`
pub static ENDPOINT_IPAM_CONFIG: Def = def(
    "EndpointIPAMConfig",
    &[
        f("IPv4Address", Str),
        f("IPv6Address", Str),
        f("LinkLocalIPs", Arr(&Str)),
    ],
);

/// `definitions.MountPoint`
pub static MOUNT_POINT: Def = def(
    "MountPoint",
    &[
        f("Type", MOUNT_TYPE),
        f("Name", Str),
        f("Source", Str),
        f("Destination", Str),
        f("Driver", Str),
        f("Mode", Str),
        f("RW", Bool),
        f("Propagation", Str),
    ],
);

/// `definitions.MountType`
pub const MOUNT_TYPE: Ty = Enum(&["bind", "npipe", "tmpfs", "volume"]);

/// `paths./containers/create.post.responses.201` (ContainerCreate), titled `ContainerCreateResponse`
pub static CONTAINER_CREATE_RESPONSE: Def = def(
    "ContainerCreateResponse",
    &[f("Id", Str).req().nn(), f("Warnings", Arr(&Str)).req().nn()],
);

/// `paths./containers/{id}/json.get.responses.200` (ContainerInspect), titled `ContainerInspectResponse`
pub static CONTAINER_INSPECT_RESPONSE: Def = def(
    "ContainerInspectResponse",
    &[
        f("Id", Str),
        f("Created", Str),
        f("Path", Str),
        f("Args", Arr(&Str)),
        f("State", Ref(&CONTAINER_STATE)),
        f("Image", Str),
        f("ResolvConfPath", Str),
        f("HostnamePath", Str),
        f("HostsPath", Str),
        f("LogPath", Str),
        f("Name", Str),
        f("RestartCount", Int),
        f("Driver", Str),
        f("Platform", Str),
        f("MountLabel", Str),
        f("ProcessLabel", Str),
        f("AppArmorProfile", Str),
        f("ExecIDs", Arr(&Str)),
        f("HostConfig", Ref(&HOST_CONFIG)),
        f("GraphDriver", Ref(&GRAPH_DRIVER_DATA)),
        f("SizeRw", Int),
        f("SizeRootFs", Int),
        f("Mounts", Arr(&Ref(&MOUNT_POINT))),
        f("Config", Ref(&CONTAINER_CONFIG)),
        f("NetworkSettings", Ref(&NETWORK_SETTINGS)),
    ],
);

/// `definitions.ContainerState`
pub static CONTAINER_STATE: Def = def(
    "ContainerState",
    &[
        f(
            "Status",
            Enum(&[
                "created",
                "running",
                "paused",
                "restarting",
                "removing",
                "exited",
                "dead",
            ]),
        ),
        f("Running", Bool),
        f("Paused", Bool),
        f("Restarting", Bool),
        f("OOMKilled", Bool),
        f("Dead", Bool),
        f("Pid", Int),
        f("ExitCode", Int),
        f("Error", Str),
        f("StartedAt", Str),
        f("FinishedAt", Str),
        f("Health", Ref(&HEALTH)),
    ],
);

/// `definitions.Health`
pub static HEALTH: Def = def(
    "Health",
    &[
        f("Status", Enum(&["none", "starting", "healthy", "unhealthy"])),
        f("FailingStreak", Int),
        f("Log", Arr(&Ref(&HEALTHCHECK_RESULT))),
    ],
);

/// `definitions.HealthcheckResult`
pub static HEALTHCHECK_RESULT: Def = def(
    "HealthcheckResult",
    &[f("Start", Str), f("End", Str), f("ExitCode", Int), f("Output", Str)],
);

/// `definitions.HostConfig`
pub static HOST_CONFIG: Def = def(
    "HostConfig",
    &[
        f("Binds", Arr(&Str)),
        f("ContainerIDFile", Str),
        f("LogConfig", Ref(&HOST_CONFIG_LOG_CONFIG)),
        f("NetworkMode", Str),
        f("PortBindings", PORT_MAP),
        f("RestartPolicy", Ref(&RESTART_POLICY)),
        f("AutoRemove", Bool),
        f("VolumeDriver", Str),
        f("VolumesFrom", Arr(&Str)),
        f("Mounts", Arr(&Ref(&MOUNT))),
        f("CapAdd", Arr(&Str)),
        f("CapDrop", Arr(&Str)),
        f("CgroupnsMode", Enum(&["private", "host"])),
        f("Dns", Arr(&Str)),
        f("DnsOptions", Arr(&Str)),
        f("DnsSearch", Arr(&Str)),
        f("ExtraHosts", Arr(&Str)),
        f("GroupAdd", Arr(&Str)),
        f("IpcMode", Str),
        f("Cgroup", Str),
        f("Links", Arr(&Str)),
        f("OomScoreAdj", Int),
        f("PidMode", Str),
        f("Privileged", Bool),
        f("PublishAllPorts", Bool),
        f("ReadonlyRootfs", Bool),
        f("SecurityOpt", Arr(&Str)),
        f("StorageOpt", Map(&Str)),
        f("Tmpfs", Map(&Str)),
        f("UTSMode", Str),
        f("UsernsMode", Str),
        f("ShmSize", Int),
        f("Sysctls", Map(&Str)),
        f("Runtime", Str),
        f("ConsoleSize", Arr(&Int)),
        f("Isolation", Enum(&["default", "process", "hyperv", ""])),
        f("MaskedPaths", Arr(&Str)),
        f("ReadonlyPaths", Arr(&Str)),
    ],
)
.with_base(&[&RESOURCES]);

/// `definitions.Resources`
pub static RESOURCES: Def = def(
    "Resources",
    &[
        f("CpuShares", Int),
        f("Memory", Int),
        f("CgroupParent", Str),
        f("BlkioWeight", Int),
        f("BlkioWeightDevice", Arr(&Ref(&RESOURCES_BLKIO_WEIGHT_DEVICE_ITEM))),
        f("BlkioDeviceReadBps", Arr(&Ref(&THROTTLE_DEVICE))),
        f("BlkioDeviceWriteBps", Arr(&Ref(&THROTTLE_DEVICE))),
        f("BlkioDeviceReadIOps", Arr(&Ref(&THROTTLE_DEVICE))),
        f("BlkioDeviceWriteIOps", Arr(&Ref(&THROTTLE_DEVICE))),
        f("CpuPeriod", Int),
        f("CpuQuota", Int),
        f("CpuRealtimePeriod", Int),
        f("CpuRealtimeRuntime", Int),
        f("CpusetCpus", Str),
        f("CpusetMems", Str),
        f("Devices", Arr(&Ref(&DEVICE_MAPPING))),
        f("DeviceCgroupRules", Arr(&Str)),
        f("DeviceRequests", Arr(&Ref(&DEVICE_REQUEST))),
        f("KernelMemory", Int),
        f("KernelMemoryTCP", Int),
        f("MemoryReservation", Int),
        f("MemorySwap", Int),
        f("MemorySwappiness", Int),
        f("NanoCpus", Int),
        f("OomKillDisable", Bool),
        f("Init", Bool),
        f("PidsLimit", Int),
        f("Ulimits", Arr(&Ref(&RESOURCES_ULIMITS_ITEM))),
        f("CpuCount", Int),
        f("CpuPercent", Int),
        f("IOMaximumIOps", Int),
        f("IOMaximumBandwidth", Int),
    ],
);

/// inline in `definitions.Resources` or the reply it titles
pub static RESOURCES_BLKIO_WEIGHT_DEVICE_ITEM: Def =
    def("Resources.BlkioWeightDeviceItem", &[f("Path", Str), f("Weight", Int)]);

/// `definitions.ThrottleDevice`
pub static THROTTLE_DEVICE: Def = def("ThrottleDevice", &[f("Path", Str), f("Rate", Int)]);

/// `definitions.DeviceMapping`
pub static DEVICE_MAPPING: Def = def(
    "DeviceMapping",
    &[
        f("PathOnHost", Str),
        f("PathInContainer", Str),
        f("CgroupPermissions", Str),
    ],
);

/// `definitions.DeviceRequest`
pub static DEVICE_REQUEST: Def = def(
    "DeviceRequest",
    &[
        f("Driver", Str),
        f("Count", Int),
        f("DeviceIDs", Arr(&Str)),
        f("Capabilities", Arr(&Arr(&Str))),
        f("Options", Map(&Str)),
    ],
);

/// inline in the reference at `Resources.UlimitsItem`
pub static RESOURCES_ULIMITS_ITEM: Def = def(
    "Resources.UlimitsItem",
    &[f("Name", Str), f("Soft", Int), f("Hard", Int)],
);

/// inline in the reference at `HostConfig.LogConfig`
pub static HOST_CONFIG_LOG_CONFIG: Def = def(
    "HostConfig.LogConfig",
    &[
        f(
            "Type",
            Enum(&[
                "json-file",
                "syslog",
                "journald",
                "gelf",
                "fluentd",
                "awslogs",
                "splunk",
                "etwlogs",
                "none",
            ]),
        ),
        f("Config", Map(&Str)),
    ],
);

/// `definitions.PortMap`
pub const PORT_MAP: Ty = Map(&Arr(&Ref(&PORT_BINDING)));

/// `definitions.PortBinding`
pub static PORT_BINDING: Def = def("PortBinding", &[f("HostIp", Str), f("HostPort", Str)]);

/// `definitions.RestartPolicy`
pub static RESTART_POLICY: Def = def(
    "RestartPolicy",
    &[
        f("Name", Enum(&["", "no", "always", "unless-stopped", "on-failure"])),
        f("MaximumRetryCount", Int),
    ],
);

/// `definitions.Mount`
pub static MOUNT: Def = def(
    "Mount",
    &[
        f("Target", Str),
        f("Source", Str),
        f("Type", MOUNT_TYPE),
        f("ReadOnly", Bool),
        f("Consistency", Str),
        f("BindOptions", Ref(&MOUNT_BIND_OPTIONS)),
        f("VolumeOptions", Ref(&MOUNT_VOLUME_OPTIONS)),
        f("TmpfsOptions", Ref(&MOUNT_TMPFS_OPTIONS)),
    ],
);

/// inline in the reference at `Mount.BindOptions`
pub static MOUNT_BIND_OPTIONS: Def = def(
    "Mount.BindOptions",
    &[
        f(
            "Propagation",
            Enum(&["private", "rprivate", "shared", "rshared", "slave", "rslave"]),
        ),
        f("NonRecursive", Bool),
    ],
);

/// inline in the reference at `Mount.VolumeOptions`
pub static MOUNT_VOLUME_OPTIONS: Def = def(
    "Mount.VolumeOptions",
    &[
        f("NoCopy", Bool),
        f("Labels", Map(&Str)),
        f("DriverConfig", Ref(&MOUNT_VOLUME_OPTIONS_DRIVER_CONFIG)),
    ],
);

/// inline in the reference at `Mount.VolumeOptions.DriverConfig`
pub static MOUNT_VOLUME_OPTIONS_DRIVER_CONFIG: Def = def(
    "Mount.VolumeOptions.DriverConfig",
    &[f("Name", Str), f("Options", Map(&Str))],
);

/// inline in the reference at `Mount.TmpfsOptions`
pub static MOUNT_TMPFS_OPTIONS: Def = def("Mount.TmpfsOptions", &[f("SizeBytes", Int), f("Mode", Int)]);

/// `definitions.GraphDriverData`
pub static GRAPH_DRIVER_DATA: Def = def(
    "GraphDriverData",
    &[f("Name", Str).req().nn(), f("Data", Map(&Str)).req().nn()],
);

/// `definitions.ContainerConfig`
pub static CONTAINER_CONFIG: Def = def(
    "ContainerConfig",
    &[
        f("Hostname", Str),
        f("Domainname", Str),
        f("User", Str),
        f("AttachStdin", Bool),
        f("AttachStdout", Bool),
        f("AttachStderr", Bool),
        f("ExposedPorts", Map(&AnyObj)),
        f("Tty", Bool),
        f("OpenStdin", Bool),
        f("StdinOnce", Bool),
        f("Env", Arr(&Str)),
        f("Cmd", Arr(&Str)),
        f("Healthcheck", Ref(&HEALTH_CONFIG)),
        f("ArgsEscaped", Bool),
        f("Image", Str),
        f("Volumes", Map(&AnyObj)),
        f("WorkingDir", Str),
        f("Entrypoint", Arr(&Str)),
        f("NetworkDisabled", Bool),
        f("MacAddress", Str),
        f("OnBuild", Arr(&Str)),
        f("Labels", Map(&Str)),
        f("StopSignal", Str),
        f("StopTimeout", Int),
        f("Shell", Arr(&Str)),
    ],
);

/// `definitions.HealthConfig`
pub static HEALTH_CONFIG: Def = def(
    "HealthConfig",
    &[
        f("Test", Arr(&Str)),
        f("Interval", Int),
        f("Timeout", Int),
        f("Retries", Int),
        f("StartPeriod", Int),
    ],
);

/// `definitions.NetworkSettings`
pub static NETWORK_SETTINGS: Def = def(
    "NetworkSettings",
    &[
        f("Bridge", Str),
        f("SandboxID", Str),
        f("HairpinMode", Bool),
        f("LinkLocalIPv6Address", Str),
        f("LinkLocalIPv6PrefixLen", Int),
        f("Ports", PORT_MAP),
        f("SandboxKey", Str),
        f("SecondaryIPAddresses", Arr(&Ref(&ADDRESS))),
        f("SecondaryIPv6Addresses", Arr(&Ref(&ADDRESS))),
        f("EndpointID", Str),
        f("Gateway", Str),
        f("GlobalIPv6Address", Str),
        f("GlobalIPv6PrefixLen", Int),
        f("IPAddress", Str),
        f("IPPrefixLen", Int),
        f("IPv6Gateway", Str),
        f("MacAddress", Str),
        f("Networks", Map(&Ref(&ENDPOINT_SETTINGS))),
    ],
);

/// `definitions.Address`
pub static ADDRESS: Def = def("Address", &[f("Addr", Str), f("PrefixLen", Int)]);

/// `paths./containers/{id}/top.get.responses.200` (ContainerTop), titled `ContainerTopResponse`
pub static CONTAINER_TOP_RESPONSE: Def = def(
    "ContainerTopResponse",
    &[f("Titles", Arr(&Str)), f("Processes", Arr(&Arr(&Str)))],
);

/// `paths./containers/{id}/changes.get.responses.200` (ContainerChanges), titled `ContainerChangeResponseItem`
pub static CONTAINER_CHANGE_RESPONSE_ITEM: Def = def(
    "ContainerChangeResponseItem",
    &[f("Path", Str).req().nn(), f("Kind", IntEnum(&[0, 1, 2])).req().nn()],
);

/// `paths./containers/{id}/update.post.responses.200` (ContainerUpdate), titled `ContainerUpdateResponse`
pub static CONTAINER_UPDATE_RESPONSE: Def = def("ContainerUpdateResponse", &[f("Warnings", Arr(&Str))]);

/// `definitions.ContainerWaitResponse`
pub static CONTAINER_WAIT_RESPONSE: Def = def(
    "ContainerWaitResponse",
    &[
        f("StatusCode", Int).req().nn(),
        f("Error", Ref(&CONTAINER_WAIT_EXIT_ERROR)),
    ],
);

/// `definitions.ContainerWaitExitError`
pub static CONTAINER_WAIT_EXIT_ERROR: Def = def("ContainerWaitExitError", &[f("Message", Str)]);

/// `paths./containers/prune.post.responses.200` (ContainerPrune), titled `ContainerPruneResponse`
pub static CONTAINER_PRUNE_RESPONSE: Def = def(
    "ContainerPruneResponse",
    &[f("ContainersDeleted", Arr(&Str)), f("SpaceReclaimed", Int)],
);

/// `definitions.ImageSummary`
pub static IMAGE_SUMMARY: Def = def(
    "ImageSummary",
    &[
        f("Id", Str).req().nn(),
        f("ParentId", Str).req().nn(),
        f("RepoTags", Arr(&Str)).req().nn(),
        f("RepoDigests", Arr(&Str)).req().nn(),
        f("Created", Int).req().nn(),
        f("Size", Int).req().nn(),
        f("SharedSize", Int).req().nn(),
        f("VirtualSize", Int).req().nn(),
        f("Labels", Map(&Str)).req().nn(),
        f("Containers", Int).req().nn(),
    ],
);

/// `definitions.BuildInfo`
pub static BUILD_INFO: Def = def(
    "BuildInfo",
    &[
        f("id", Str),
        f("stream", Str),
        f("error", Str),
        f("errorDetail", Ref(&ERROR_DETAIL)),
        f("status", Str),
        f("progress", Str),
        f("progressDetail", Ref(&PROGRESS_DETAIL)),
        f("aux", Ref(&IMAGE_ID)),
    ],
);

/// `definitions.ErrorDetail`
pub static ERROR_DETAIL: Def = def("ErrorDetail", &[f("code", Int), f("message", Str)]);

/// `definitions.ProgressDetail`
pub static PROGRESS_DETAIL: Def = def("ProgressDetail", &[f("current", Int), f("total", Int)]);

/// `definitions.ImageID`
pub static IMAGE_ID: Def = def("ImageID", &[f("ID", Str)]);

/// `paths./build/prune.post.responses.200` (BuildPrune), titled `BuildPruneResponse`
pub static BUILD_PRUNE_RESPONSE: Def = def(
    "BuildPruneResponse",
    &[f("CachesDeleted", Arr(&Str)), f("SpaceReclaimed", Int)],
);

/// `definitions.CreateImageInfo`
pub static CREATE_IMAGE_INFO: Def = def(
    "CreateImageInfo",
    &[
        f("id", Str),
        f("error", Str),
        f("errorDetail", Ref(&ERROR_DETAIL)),
        f("status", Str),
        f("progress", Str),
        f("progressDetail", Ref(&PROGRESS_DETAIL)),
    ],
);

/// `definitions.ImageInspect`
pub static IMAGE_INSPECT: Def = def(
    "ImageInspect",
    &[
        f("Id", Str).nn(),
        f("RepoTags", Arr(&Str)),
        f("RepoDigests", Arr(&Str)),
        f("Parent", Str).nn(),
        f("Comment", Str).nn(),
        f("Created", Str).nn(),
        f("Container", Str).nn(),
        f("ContainerConfig", Ref(&CONTAINER_CONFIG)),
        f("DockerVersion", Str).nn(),
        f("Author", Str).nn(),
        f("Config", Ref(&IMAGE_CONFIG)),
        f("Architecture", Str).nn(),
        f("Variant", Str),
        f("Os", Str).nn(),
        f("OsVersion", Str),
        f("Size", Int).nn(),
        f("VirtualSize", Int).nn(),
        f("GraphDriver", Ref(&GRAPH_DRIVER_DATA)),
        f("RootFS", Ref(&IMAGE_INSPECT_ROOT_FS)),
        f("Metadata", Ref(&IMAGE_INSPECT_METADATA)),
    ],
);

/// `definitions.ImageConfig`
pub static IMAGE_CONFIG: Def = def(
    "ImageConfig",
    &[
        f("Hostname", Str),
        f("Domainname", Str),
        f("User", Str),
        f("AttachStdin", Bool),
        f("AttachStdout", Bool),
        f("AttachStderr", Bool),
        f("ExposedPorts", Map(&AnyObj)),
        f("Tty", Bool),
        f("OpenStdin", Bool),
        f("StdinOnce", Bool),
        f("Env", Arr(&Str)),
        f("Cmd", Arr(&Str)),
        f("Healthcheck", Ref(&HEALTH_CONFIG)),
        f("ArgsEscaped", Bool),
        f("Image", Str),
        f("Volumes", Map(&AnyObj)),
        f("WorkingDir", Str),
        f("Entrypoint", Arr(&Str)),
        f("NetworkDisabled", Bool),
        f("MacAddress", Str),
        f("OnBuild", Arr(&Str)),
        f("Labels", Map(&Str)),
        f("StopSignal", Str),
        f("StopTimeout", Int),
        f("Shell", Arr(&Str)),
    ],
);

/// inline in the reference at `ImageInspect.RootFS`
pub static IMAGE_INSPECT_ROOT_FS: Def = def(
    "ImageInspect.RootFS",
    &[f("Type", Str).req().nn(), f("Layers", Arr(&Str))],
);

/// inline in the reference at `ImageInspect.Metadata`
pub static IMAGE_INSPECT_METADATA: Def = def("ImageInspect.Metadata", &[f("LastTagTime", Str)]);

/// `definitions.ImageHistoryResponseItem`
pub static IMAGE_HISTORY_RESPONSE_ITEM: Def = def(
    "ImageHistoryResponseItem",
    &[
        f("Id", Str).req().nn(),
        f("Created", Int).req().nn(),
        f("CreatedBy", Str).req().nn(),
        f("Tags", Arr(&Str)).req(),
        f("Size", Int).req().nn(),
        f("Comment", Str).req().nn(),
    ],
);

/// `definitions.PushImageInfo`
pub static PUSH_IMAGE_INFO: Def = def(
    "PushImageInfo",
    &[
        f("error", Str),
        f("status", Str),
        f("progress", Str),
        f("progressDetail", Ref(&PROGRESS_DETAIL)),
    ],
);

/// `definitions.ImageDeleteResponseItem`
pub static IMAGE_DELETE_RESPONSE_ITEM: Def = def("ImageDeleteResponseItem", &[f("Untagged", Str), f("Deleted", Str)]);

/// `paths./images/search.get.responses.200` (ImageSearch), titled `ImageSearchResponseItem`
pub static IMAGE_SEARCH_RESPONSE_ITEM: Def = def(
    "ImageSearchResponseItem",
    &[
        f("description", Str),
        f("is_official", Bool),
        f("is_automated", Bool),
        f("name", Str),
        f("star_count", Int),
    ],
);

/// `paths./images/prune.post.responses.200` (ImagePrune), titled `ImagePruneResponse`
pub static IMAGE_PRUNE_RESPONSE: Def = def(
    "ImagePruneResponse",
    &[
        f("ImagesDeleted", Arr(&Ref(&IMAGE_DELETE_RESPONSE_ITEM))),
        f("SpaceReclaimed", Int),
    ],
);

/// `paths./auth.post.responses.200` (SystemAuth), titled `SystemAuthResponse`
pub static SYSTEM_AUTH_RESPONSE: Def = def(
    "SystemAuthResponse",
    &[f("Status", Str).req().nn(), f("IdentityToken", Str).nn()],
);

/// `definitions.SystemInfo`
pub static SYSTEM_INFO: Def = def(
    "SystemInfo",
    &[
        f("ID", Str),
        f("Containers", Int),
        f("ContainersRunning", Int),
        f("ContainersPaused", Int),
        f("ContainersStopped", Int),
        f("Images", Int),
        f("Driver", Str),
        f("DriverStatus", Arr(&Arr(&Str))),
        f("DockerRootDir", Str),
        f("Plugins", Ref(&PLUGINS_INFO)),
        f("MemoryLimit", Bool),
        f("SwapLimit", Bool),
        f("KernelMemory", Bool),
        f("KernelMemoryTCP", Bool),
        f("CpuCfsPeriod", Bool),
        f("CpuCfsQuota", Bool),
        f("CPUShares", Bool),
        f("CPUSet", Bool),
        f("PidsLimit", Bool),
        f("OomKillDisable", Bool),
        f("IPv4Forwarding", Bool),
        f("BridgeNfIptables", Bool),
        f("BridgeNfIp6tables", Bool),
        f("Debug", Bool),
        f("NFd", Int),
        f("NGoroutines", Int),
        f("SystemTime", Str),
        f("LoggingDriver", Str),
        f("CgroupDriver", Enum(&["cgroupfs", "systemd", "none"])),
        f("CgroupVersion", Enum(&["1", "2"])),
        f("NEventsListener", Int),
        f("KernelVersion", Str),
        f("OperatingSystem", Str),
        f("OSVersion", Str),
        f("OSType", Str),
        f("Architecture", Str),
        f("NCPU", Int),
        f("MemTotal", Int),
        f("IndexServerAddress", Str),
        f("RegistryConfig", Ref(&REGISTRY_SERVICE_CONFIG)),
        f("GenericResources", GENERIC_RESOURCES),
        f("HttpProxy", Str),
        f("HttpsProxy", Str),
        f("NoProxy", Str),
        f("Name", Str),
        f("Labels", Arr(&Str)),
        f("ExperimentalBuild", Bool),
        f("ServerVersion", Str),
        f("ClusterStore", Str),
        f("ClusterAdvertise", Str),
        f("Runtimes", Map(&Ref(&RUNTIME))),
        f("DefaultRuntime", Str),
        f("Swarm", Ref(&SWARM_INFO)),
        f("LiveRestoreEnabled", Bool),
        f("Isolation", Enum(&["default", "hyperv", "process", ""])),
        f("InitBinary", Str),
        f("ContainerdCommit", Ref(&COMMIT)),
        f("RuncCommit", Ref(&COMMIT)),
        f("InitCommit", Ref(&COMMIT)),
        f("SecurityOptions", Arr(&Str)),
        f("ProductLicense", Str),
        f(
            "DefaultAddressPools",
            Arr(&Ref(&SYSTEM_INFO_DEFAULT_ADDRESS_POOLS_ITEM)),
        ),
        f("Warnings", Arr(&Str)),
    ],
);

/// `definitions.PluginsInfo`
pub static PLUGINS_INFO: Def = def(
    "PluginsInfo",
    &[
        f("Volume", Arr(&Str)),
        f("Network", Arr(&Str)),
        f("Authorization", Arr(&Str)),
        f("Log", Arr(&Str)),
    ],
);

/// `definitions.RegistryServiceConfig`
pub static REGISTRY_SERVICE_CONFIG: Def = def(
    "RegistryServiceConfig",
    &[
        f("AllowNondistributableArtifactsCIDRs", Arr(&Str)),
        f("AllowNondistributableArtifactsHostnames", Arr(&Str)),
        f("InsecureRegistryCIDRs", Arr(&Str)),
        f("IndexConfigs", Map(&Ref(&INDEX_INFO))),
        f("Mirrors", Arr(&Str)),
    ],
);

/// `definitions.IndexInfo`
pub static INDEX_INFO: Def = def(
    "IndexInfo",
    &[
        f("Name", Str),
        f("Mirrors", Arr(&Str)),
        f("Secure", Bool),
        f("Official", Bool),
    ],
);

/// `GenericResourcesItem`
pub static GENERIC_RESOURCES_ITEM: Def = def(
    "GenericResourcesItem",
    &[
        f("NamedResourceSpec", Ref(&GENERIC_RESOURCES_ITEM_NAMED_RESOURCE_SPEC)),
        f(
            "DiscreteResourceSpec",
            Ref(&GENERIC_RESOURCES_ITEM_DISCRETE_RESOURCE_SPEC),
        ),
    ],
);

/// inline in the reference at `GenericResourcesItem.NamedResourceSpec`
pub static GENERIC_RESOURCES_ITEM_NAMED_RESOURCE_SPEC: Def = def(
    "GenericResourcesItem.NamedResourceSpec",
    &[f("Kind", Str), f("Value", Str)],
);

/// inline in the reference at `GenericResourcesItem.DiscreteResourceSpec`
pub static GENERIC_RESOURCES_ITEM_DISCRETE_RESOURCE_SPEC: Def = def(
    "GenericResourcesItem.DiscreteResourceSpec",
    &[f("Kind", Str), f("Value", Int)],
);

/// `definitions.GenericResources`
pub const GENERIC_RESOURCES: Ty = Arr(&Ref(&GENERIC_RESOURCES_ITEM));

/// `definitions.Runtime`
pub static RUNTIME: Def = def("Runtime", &[f("path", Str), f("runtimeArgs", Arr(&Str))]);

/// `definitions.SwarmInfo`
pub static SWARM_INFO: Def = def(
    "SwarmInfo",
    &[
        f("NodeID", Str),
        f("NodeAddr", Str),
        f("LocalNodeState", LOCAL_NODE_STATE),
        f("ControlAvailable", Bool),
        f("Error", Str),
        f("RemoteManagers", Arr(&Ref(&PEER_NODE))),
        f("Nodes", Int),
        f("Managers", Int),
        f("Cluster", Ref(&CLUSTER_INFO)),
    ],
);

/// `definitions.LocalNodeState`
pub const LOCAL_NODE_STATE: Ty = Enum(&["", "inactive", "pending", "active", "error", "locked"]);

/// `definitions.PeerNode`
pub static PEER_NODE: Def = def("PeerNode", &[f("NodeID", Str), f("Addr", Str)]);

/// `definitions.ClusterInfo`
pub static CLUSTER_INFO: Def = def(
    "ClusterInfo",
    &[
        f("ID", Str),
        f("Version", Ref(&OBJECT_VERSION)),
        f("CreatedAt", Str),
        f("UpdatedAt", Str),
        f("Spec", Ref(&SWARM_SPEC)),
        f("TLSInfo", Ref(&TLS_INFO)),
        f("RootRotationInProgress", Bool),
        f("DataPathPort", Int),
        f("DefaultAddrPool", Arr(&Str)),
        f("SubnetSize", Int),
    ],
);

/// `definitions.ObjectVersion`
pub static OBJECT_VERSION: Def = def("ObjectVersion", &[f("Index", Int)]);

/// `definitions.SwarmSpec`
pub static SWARM_SPEC: Def = def(
    "SwarmSpec",
    &[
        f("Name", Str),
        f("Labels", Map(&Str)),
        f("Orchestration", Ref(&SWARM_SPEC_ORCHESTRATION)),
        f("Raft", Ref(&SWARM_SPEC_RAFT)),
        f("Dispatcher", Ref(&SWARM_SPEC_DISPATCHER)),
        f("CAConfig", Ref(&SWARM_SPEC_CA_CONFIG)),
        f("EncryptionConfig", Ref(&SWARM_SPEC_ENCRYPTION_CONFIG)),
        f("TaskDefaults", Ref(&SWARM_SPEC_TASK_DEFAULTS)),
    ],
);

/// inline in the reference at `SwarmSpec.Orchestration`
pub static SWARM_SPEC_ORCHESTRATION: Def = def("SwarmSpec.Orchestration", &[f("TaskHistoryRetentionLimit", Int)]);

/// inline in the reference at `SwarmSpec.Raft`
pub static SWARM_SPEC_RAFT: Def = def(
    "SwarmSpec.Raft",
    &[
        f("SnapshotInterval", Int),
        f("KeepOldSnapshots", Int),
        f("LogEntriesForSlowFollowers", Int),
        f("ElectionTick", Int),
        f("HeartbeatTick", Int),
    ],
);

/// inline in the reference at `SwarmSpec.Dispatcher`
pub static SWARM_SPEC_DISPATCHER: Def = def("SwarmSpec.Dispatcher", &[f("HeartbeatPeriod", Int)]);

/// inline in the reference at `SwarmSpec.CAConfig`
pub static SWARM_SPEC_CA_CONFIG: Def = def(
    "SwarmSpec.CAConfig",
    &[
        f("NodeCertExpiry", Int),
        f("ExternalCAs", Arr(&Ref(&SWARM_SPEC_CA_CONFIG_EXTERNAL_C_AS_ITEM))),
        f("SigningCACert", Str),
        f("SigningCAKey", Str),
        f("ForceRotate", Int),
    ],
);

/// inline in the reference at `SwarmSpec.CAConfig.ExternalCAsItem`
pub static SWARM_SPEC_CA_CONFIG_EXTERNAL_C_AS_ITEM: Def = def(
    "SwarmSpec.CAConfig.ExternalCAsItem",
    &[
        f("Protocol", Enum(&["cfssl"])),
        f("URL", Str),
        f("Options", Map(&Str)),
        f("CACert", Str),
    ],
);

/// inline in the reference at `SwarmSpec.EncryptionConfig`
pub static SWARM_SPEC_ENCRYPTION_CONFIG: Def = def("SwarmSpec.EncryptionConfig", &[f("AutoLockManagers", Bool)]);

/// inline in the reference at `SwarmSpec.TaskDefaults`
pub static SWARM_SPEC_TASK_DEFAULTS: Def = def(
    "SwarmSpec.TaskDefaults",
    &[f("LogDriver", Ref(&SWARM_SPEC_TASK_DEFAULTS_LOG_DRIVER))],
);

/// inline in the reference at `SwarmSpec.TaskDefaults.LogDriver`
pub static SWARM_SPEC_TASK_DEFAULTS_LOG_DRIVER: Def = def(
    "SwarmSpec.TaskDefaults.LogDriver",
    &[f("Name", Str), f("Options", Map(&Str))],
);

/// `definitions.TLSInfo`
pub static TLS_INFO: Def = def(
    "TLSInfo",
    &[
        f("TrustRoot", Str),
        f("CertIssuerSubject", Str),
        f("CertIssuerPublicKey", Str),
    ],
);

/// `definitions.Commit`
pub static COMMIT: Def = def("Commit", &[f("ID", Str), f("Expected", Str)]);

/// inline in `definitions.SystemInfo` or the reply it titles
pub static SYSTEM_INFO_DEFAULT_ADDRESS_POOLS_ITEM: Def =
    def("SystemInfo.DefaultAddressPoolsItem", &[f("Base", Str), f("Size", Int)]);

/// `definitions.SystemVersion`
pub static SYSTEM_VERSION: Def = def(
    "SystemVersion",
    &[
        f("Platform", Ref(&SYSTEM_VERSION_PLATFORM)),
        f("Components", Arr(&Ref(&SYSTEM_VERSION_COMPONENTS_ITEM))),
        f("Version", Str),
        f("ApiVersion", Str),
        f("MinAPIVersion", Str),
        f("GitCommit", Str),
        f("GoVersion", Str),
        f("Os", Str),
        f("Arch", Str),
        f("KernelVersion", Str),
        f("Experimental", Bool),
        f("BuildTime", Str),
    ],
);

/// inline in the reference at `SystemVersion.Platform`
pub static SYSTEM_VERSION_PLATFORM: Def = def("SystemVersion.Platform", &[f("Name", Str).req()]);

/// inline in the reference at `SystemVersion.ComponentsItem`
pub static SYSTEM_VERSION_COMPONENTS_ITEM: Def = def(
    "SystemVersion.ComponentsItem",
    &[f("Name", Str).req(), f("Version", Str).req().nn(), f("Details", AnyObj)],
);

/// `definitions.IdResponse`
pub static ID_RESPONSE: Def = def("IdResponse", &[f("Id", Str).req().nn()]);

/// `definitions.EventMessage`
pub static EVENT_MESSAGE: Def = def(
    "EventMessage",
    &[
        f(
            "Type",
            Enum(&[
                "builder",
                "config",
                "container",
                "daemon",
                "image",
                "network",
                "node",
                "plugin",
                "secret",
                "service",
                "volume",
            ]),
        ),
        f("Action", Str),
        f("Actor", Ref(&EVENT_ACTOR)),
        f("scope", Enum(&["local", "swarm"])),
        f("time", Int),
        f("timeNano", Int),
    ],
);

/// `definitions.EventActor`
pub static EVENT_ACTOR: Def = def("EventActor", &[f("ID", Str), f("Attributes", Map(&Str))]);

/// `paths./system/df.get.responses.200` (SystemDataUsage), titled `SystemDataUsageResponse`
pub static SYSTEM_DATA_USAGE_RESPONSE: Def = def(
    "SystemDataUsageResponse",
    &[
        f("LayersSize", Int),
        f("Images", Arr(&Ref(&IMAGE_SUMMARY))),
        f("Containers", Arr(&Ref(&CONTAINER_SUMMARY))),
        f("Volumes", Arr(&Ref(&VOLUME))),
        f("BuildCache", Arr(&Ref(&BUILD_CACHE))),
    ],
);

/// `definitions.Volume`
pub static VOLUME: Def = def(
    "Volume",
    &[
        f("Name", Str).req().nn(),
        f("Driver", Str).req().nn(),
        f("Mountpoint", Str).req().nn(),
        f("CreatedAt", Str),
        f("Status", Map(&AnyObj)),
        f("Labels", Map(&Str)).req().nn(),
        f("Scope", Enum(&["local", "global"])).req().nn(),
        f("Options", Map(&Str)).req(),
        f("UsageData", Ref(&VOLUME_USAGE_DATA)),
    ],
);

/// inline in the reference at `Volume.UsageData`
pub static VOLUME_USAGE_DATA: Def = def(
    "Volume.UsageData",
    &[f("Size", Int).req().nn(), f("RefCount", Int).req().nn()],
);

/// `definitions.BuildCache`
pub static BUILD_CACHE: Def = def(
    "BuildCache",
    &[
        f("ID", Str),
        f("Parent", Str),
        f(
            "Type",
            Enum(&[
                "internal",
                "frontend",
                "source.local",
                "source.git.checkout",
                "exec.cachemount",
                "regular",
            ]),
        ),
        f("Description", Str),
        f("InUse", Bool),
        f("Shared", Bool),
        f("Size", Int),
        f("CreatedAt", Str),
        f("LastUsedAt", Str),
        f("UsageCount", Int),
    ],
);

/// `paths./exec/{id}/json.get.responses.200` (ExecInspect), titled `ExecInspectResponse`
pub static EXEC_INSPECT_RESPONSE: Def = def(
    "ExecInspectResponse",
    &[
        f("CanRemove", Bool),
        f("DetachKeys", Str),
        f("ID", Str),
        f("Running", Bool),
        f("ExitCode", Int),
        f("ProcessConfig", Ref(&PROCESS_CONFIG)),
        f("OpenStdin", Bool),
        f("OpenStderr", Bool),
        f("OpenStdout", Bool),
        f("ContainerID", Str),
        f("Pid", Int),
    ],
);

/// `definitions.ProcessConfig`
pub static PROCESS_CONFIG: Def = def(
    "ProcessConfig",
    &[
        f("privileged", Bool),
        f("user", Str),
        f("tty", Bool),
        f("entrypoint", Str),
        f("arguments", Arr(&Str)),
    ],
);

/// `definitions.VolumeListResponse`
pub static VOLUME_LIST_RESPONSE: Def = def(
    "VolumeListResponse",
    &[f("Volumes", Arr(&Ref(&VOLUME))), f("Warnings", Arr(&Str))],
);

/// `paths./volumes/prune.post.responses.200` (VolumePrune), titled `VolumePruneResponse`
pub static VOLUME_PRUNE_RESPONSE: Def = def(
    "VolumePruneResponse",
    &[f("VolumesDeleted", Arr(&Str)), f("SpaceReclaimed", Int)],
);

/// `definitions.Network`
pub static NETWORK: Def = def(
    "Network",
    &[
        f("Name", Str),
        f("Id", Str),
        f("Created", Str),
        f("Scope", Str),
        f("Driver", Str),
        f("EnableIPv6", Bool),
        f("IPAM", Ref(&IPAM)),
        f("Internal", Bool),
        f("Attachable", Bool),
        f("Ingress", Bool),
        f("ConfigFrom", Ref(&CONFIG_REFERENCE)),
        f("ConfigOnly", Bool),
        f("Containers", Map(&Ref(&NETWORK_CONTAINER))),
        f("Options", Map(&Str)),
        f("Labels", Map(&Str)),
        f("Peers", Arr(&Ref(&PEER_INFO))),
    ],
);

/// `definitions.IPAM`
pub static IPAM: Def = def(
    "IPAM",
    &[
        f("Driver", Str),
        f("Config", Arr(&Ref(&IPAM_CONFIG))),
        f("Options", Map(&Str)),
    ],
);

/// `definitions.IPAMConfig`
pub static IPAM_CONFIG: Def = def(
    "IPAMConfig",
    &[
        f("Subnet", Str),
        f("IPRange", Str),
        f("Gateway", Str),
        f("AuxiliaryAddresses", Map(&Str)),
    ],
);

/// `definitions.ConfigReference`
pub static CONFIG_REFERENCE: Def = def("ConfigReference", &[f("Network", Str)]);

/// `definitions.NetworkContainer`
pub static NETWORK_CONTAINER: Def = def(
    "NetworkContainer",
    &[
        f("Name", Str),
        f("EndpointID", Str),
        f("MacAddress", Str),
        f("IPv4Address", Str),
        f("IPv6Address", Str),
    ],
);

/// `definitions.PeerInfo`
pub static PEER_INFO: Def = def("PeerInfo", &[f("Name", Str), f("IP", Str)]);

/// `paths./networks/create.post.responses.201` (NetworkCreate), titled `NetworkCreateResponse`
pub static NETWORK_CREATE_RESPONSE: Def = def("NetworkCreateResponse", &[f("Id", Str), f("Warning", Str)]);

/// `paths./networks/prune.post.responses.200` (NetworkPrune), titled `NetworkPruneResponse`
pub static NETWORK_PRUNE_RESPONSE: Def = def("NetworkPruneResponse", &[f("NetworksDeleted", Arr(&Str))]);
