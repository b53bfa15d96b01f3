//! The v1.41 reference's definitions for plugins and swarm mode (nodes,
//! swarm, services, tasks, secrets, configs) and distribution, cited as in
//! [`super::defs`].

use super::*;
use crate::shape::{def, f, Def, Ty, Ty::*};

/// `definitions.Plugin`
pub static PLUGIN: Def = def(
    "Plugin",
    &[
        f("Id", Str),
        f("Name", Str).req().nn(),
        f("Enabled", Bool).req().nn(),
        f("Settings", Ref(&PLUGIN_SETTINGS)).req().nn(),
        f("PluginReference", Str).nn(),
        f("Config", Ref(&PLUGIN_CONFIG)).req().nn(),
    ],
);

/// inline in the reference at `Plugin.Settings`
pub static PLUGIN_SETTINGS: Def = def(
    "Plugin.Settings",
    &[
        f("Mounts", Arr(&Ref(&PLUGIN_MOUNT))).req(),
        f("Env", Arr(&Str)).req(),
        f("Args", Arr(&Str)).req(),
        f("Devices", Arr(&Ref(&PLUGIN_DEVICE))).req(),
    ],
);

/// `definitions.PluginMount`
pub static PLUGIN_MOUNT: Def = def(
    "PluginMount",
    &[
        f("Name", Str).req().nn(),
        f("Description", Str).req().nn(),
        f("Settable", Arr(&Str)).req(),
        f("Source", Str).req(),
        f("Destination", Str).req().nn(),
        f("Type", Str).req().nn(),
        f("Options", Arr(&Str)).req(),
    ],
);

/// `definitions.PluginDevice`
pub static PLUGIN_DEVICE: Def = def(
    "PluginDevice",
    &[
        f("Name", Str).req().nn(),
        f("Description", Str).req().nn(),
        f("Settable", Arr(&Str)).req(),
        f("Path", Str).req(),
    ],
);

/// inline in the reference at `Plugin.Config`
pub static PLUGIN_CONFIG: Def = def(
    "Plugin.Config",
    &[
        f("DockerVersion", Str).nn(),
        f("Description", Str).req().nn(),
        f("Documentation", Str).req().nn(),
        f("Interface", Ref(&PLUGIN_CONFIG_INTERFACE)).req().nn(),
        f("Entrypoint", Arr(&Str)).req(),
        f("WorkDir", Str).req().nn(),
        f("User", Ref(&PLUGIN_CONFIG_USER)).nn(),
        f("Network", Ref(&PLUGIN_CONFIG_NETWORK)).req().nn(),
        f("Linux", Ref(&PLUGIN_CONFIG_LINUX)).req().nn(),
        f("PropagatedMount", Str).req().nn(),
        f("IpcHost", Bool).req().nn(),
        f("PidHost", Bool).req().nn(),
        f("Mounts", Arr(&Ref(&PLUGIN_MOUNT))).req(),
        f("Env", Arr(&Ref(&PLUGIN_ENV))).req(),
        f("Args", Ref(&PLUGIN_CONFIG_ARGS)).req().nn(),
        f("rootfs", Ref(&PLUGIN_CONFIG_ROOTFS)),
    ],
);

/// inline in the reference at `Plugin.Config.Interface`
pub static PLUGIN_CONFIG_INTERFACE: Def = def(
    "Plugin.Config.Interface",
    &[
        f("Types", Arr(&Ref(&PLUGIN_INTERFACE_TYPE))).req(),
        f("Socket", Str).req().nn(),
        f("ProtocolScheme", Enum(&["", "moby.plugins.http/v1"])),
    ],
);

/// `definitions.PluginInterfaceType`
pub static PLUGIN_INTERFACE_TYPE: Def = def(
    "PluginInterfaceType",
    &[
        f("Prefix", Str).req().nn(),
        f("Capability", Str).req().nn(),
        f("Version", Str).req().nn(),
    ],
);

/// inline in the reference at `Plugin.Config.User`
pub static PLUGIN_CONFIG_USER: Def = def("Plugin.Config.User", &[f("UID", Int), f("GID", Int)]);

/// inline in the reference at `Plugin.Config.Network`
pub static PLUGIN_CONFIG_NETWORK: Def = def("Plugin.Config.Network", &[f("Type", Str).req().nn()]);

/// inline in the reference at `Plugin.Config.Linux`
pub static PLUGIN_CONFIG_LINUX: Def = def(
    "Plugin.Config.Linux",
    &[
        f("Capabilities", Arr(&Str)).req(),
        f("AllowAllDevices", Bool).req().nn(),
        f("Devices", Arr(&Ref(&PLUGIN_DEVICE))).req(),
    ],
);

/// `definitions.PluginEnv`
pub static PLUGIN_ENV: Def = def(
    "PluginEnv",
    &[
        f("Name", Str).req().nn(),
        f("Description", Str).req().nn(),
        f("Settable", Arr(&Str)).req(),
        f("Value", Str).req(),
    ],
);

/// inline in the reference at `Plugin.Config.Args`
pub static PLUGIN_CONFIG_ARGS: Def = def(
    "Plugin.Config.Args",
    &[
        f("Name", Str).req().nn(),
        f("Description", Str).req().nn(),
        f("Settable", Arr(&Str)).req(),
        f("Value", Arr(&Str)).req(),
    ],
);

/// inline in the reference at `Plugin.Config.rootfs`
pub static PLUGIN_CONFIG_ROOTFS: Def = def("Plugin.Config.rootfs", &[f("type", Str), f("diff_ids", Arr(&Str))]);

/// `definitions.PluginPrivilege`
pub static PLUGIN_PRIVILEGE: Def = def(
    "PluginPrivilege",
    &[f("Name", Str), f("Description", Str), f("Value", Arr(&Str))],
);

/// `definitions.Node`
pub static NODE: Def = def(
    "Node",
    &[
        f("ID", Str),
        f("Version", Ref(&OBJECT_VERSION)),
        f("CreatedAt", Str),
        f("UpdatedAt", Str),
        f("Spec", Ref(&NODE_SPEC)),
        f("Description", Ref(&NODE_DESCRIPTION)),
        f("Status", Ref(&NODE_STATUS)),
        f("ManagerStatus", Ref(&MANAGER_STATUS)),
    ],
);

/// `definitions.NodeSpec`
pub static NODE_SPEC: Def = def(
    "NodeSpec",
    &[
        f("Name", Str),
        f("Labels", Map(&Str)),
        f("Role", Enum(&["worker", "manager"])),
        f("Availability", Enum(&["active", "pause", "drain"])),
    ],
);

/// `definitions.NodeDescription`
pub static NODE_DESCRIPTION: Def = def(
    "NodeDescription",
    &[
        f("Hostname", Str),
        f("Platform", Ref(&PLATFORM)),
        f("Resources", Ref(&RESOURCE_OBJECT)),
        f("Engine", Ref(&ENGINE_DESCRIPTION)),
        f("TLSInfo", Ref(&TLS_INFO)),
    ],
);

/// `definitions.Platform`
pub static PLATFORM: Def = def("Platform", &[f("Architecture", Str), f("OS", Str)]);

/// `definitions.ResourceObject`
pub static RESOURCE_OBJECT: Def = def(
    "ResourceObject",
    &[
        f("NanoCPUs", Int),
        f("MemoryBytes", Int),
        f("GenericResources", GENERIC_RESOURCES),
    ],
);

/// `definitions.EngineDescription`
pub static ENGINE_DESCRIPTION: Def = def(
    "EngineDescription",
    &[
        f("EngineVersion", Str),
        f("Labels", Map(&Str)),
        f("Plugins", Arr(&Ref(&ENGINE_DESCRIPTION_PLUGINS_ITEM))),
    ],
);

/// inline in `definitions.EngineDescription` or the reply it titles
pub static ENGINE_DESCRIPTION_PLUGINS_ITEM: Def =
    def("EngineDescription.PluginsItem", &[f("Type", Str), f("Name", Str)]);

/// `definitions.NodeStatus`
pub static NODE_STATUS: Def = def(
    "NodeStatus",
    &[f("State", NODE_STATE), f("Message", Str), f("Addr", Str)],
);

/// `definitions.NodeState`
pub const NODE_STATE: Ty = Enum(&["unknown", "down", "ready", "disconnected"]);

/// `definitions.ManagerStatus`
pub static MANAGER_STATUS: Def = def(
    "ManagerStatus",
    &[f("Leader", Bool), f("Reachability", REACHABILITY), f("Addr", Str)],
);

/// `definitions.Reachability`
pub const REACHABILITY: Ty = Enum(&["unknown", "unreachable", "reachable"]);

/// `definitions.Swarm`
pub static SWARM: Def = def("Swarm", &[f("JoinTokens", Ref(&JOIN_TOKENS))]).with_base(&[&CLUSTER_INFO]);

/// `definitions.JoinTokens`
pub static JOIN_TOKENS: Def = def("JoinTokens", &[f("Worker", Str), f("Manager", Str)]);

/// `paths./swarm/unlockkey.get.responses.200` (SwarmUnlockkey), titled `UnlockKeyResponse`
pub static UNLOCK_KEY_RESPONSE: Def = def("UnlockKeyResponse", &[f("UnlockKey", Str)]);

/// `definitions.Service`
pub static SERVICE: Def = def(
    "Service",
    &[
        f("ID", Str),
        f("Version", Ref(&OBJECT_VERSION)),
        f("CreatedAt", Str),
        f("UpdatedAt", Str),
        f("Spec", Ref(&SERVICE_SPEC)),
        f("Endpoint", Ref(&SERVICE_ENDPOINT)),
        f("UpdateStatus", Ref(&SERVICE_UPDATE_STATUS)),
        f("ServiceStatus", Ref(&SERVICE_SERVICE_STATUS)),
        f("JobStatus", Ref(&SERVICE_JOB_STATUS)),
    ],
);

/// `definitions.ServiceSpec`
pub static SERVICE_SPEC: Def = def(
    "ServiceSpec",
    &[
        f("Name", Str),
        f("Labels", Map(&Str)),
        f("TaskTemplate", Ref(&TASK_SPEC)),
        f("Mode", Ref(&SERVICE_SPEC_MODE)),
        f("UpdateConfig", Ref(&SERVICE_SPEC_UPDATE_CONFIG)),
        f("RollbackConfig", Ref(&SERVICE_SPEC_ROLLBACK_CONFIG)),
        f("Networks", Arr(&Ref(&NETWORK_ATTACHMENT_CONFIG))),
        f("EndpointSpec", Ref(&ENDPOINT_SPEC)),
    ],
);

/// `definitions.TaskSpec`
pub static TASK_SPEC: Def = def(
    "TaskSpec",
    &[
        f("PluginSpec", Ref(&TASK_SPEC_PLUGIN_SPEC)),
        f("ContainerSpec", Ref(&TASK_SPEC_CONTAINER_SPEC)),
        f("NetworkAttachmentSpec", Ref(&TASK_SPEC_NETWORK_ATTACHMENT_SPEC)),
        f("Resources", Ref(&TASK_SPEC_RESOURCES)),
        f("RestartPolicy", Ref(&TASK_SPEC_RESTART_POLICY)),
        f("Placement", Ref(&TASK_SPEC_PLACEMENT)),
        f("ForceUpdate", Int),
        f("Runtime", Str),
        f("Networks", Arr(&Ref(&NETWORK_ATTACHMENT_CONFIG))),
        f("LogDriver", Ref(&TASK_SPEC_LOG_DRIVER)),
    ],
);

/// inline in the reference at `TaskSpec.PluginSpec`
pub static TASK_SPEC_PLUGIN_SPEC: Def = def(
    "TaskSpec.PluginSpec",
    &[
        f("Name", Str),
        f("Remote", Str),
        f("Disabled", Bool),
        f("PluginPrivilege", Arr(&Ref(&PLUGIN_PRIVILEGE))),
    ],
);

/// inline in the reference at `TaskSpec.ContainerSpec`
pub static TASK_SPEC_CONTAINER_SPEC: Def = def(
    "TaskSpec.ContainerSpec",
    &[
        f("Image", Str),
        f("Labels", Map(&Str)),
        f("Command", Arr(&Str)),
        f("Args", Arr(&Str)),
        f("Hostname", Str),
        f("Env", Arr(&Str)),
        f("Dir", Str),
        f("User", Str),
        f("Groups", Arr(&Str)),
        f("Privileges", Ref(&TASK_SPEC_CONTAINER_SPEC_PRIVILEGES)),
        f("TTY", Bool),
        f("OpenStdin", Bool),
        f("ReadOnly", Bool),
        f("Mounts", Arr(&Ref(&MOUNT))),
        f("StopSignal", Str),
        f("StopGracePeriod", Int),
        f("HealthCheck", Ref(&HEALTH_CONFIG)),
        f("Hosts", Arr(&Str)),
        f("DNSConfig", Ref(&TASK_SPEC_CONTAINER_SPEC_DNS_CONFIG)),
        f("Secrets", Arr(&Ref(&TASK_SPEC_CONTAINER_SPEC_SECRETS_ITEM))),
        f("Configs", Arr(&Ref(&TASK_SPEC_CONTAINER_SPEC_CONFIGS_ITEM))),
        f("Isolation", Enum(&["default", "process", "hyperv", ""])),
        f("Init", Bool),
        f("Sysctls", Map(&Str)),
        f("CapabilityAdd", Arr(&Str)),
        f("CapabilityDrop", Arr(&Str)),
        f("Ulimits", Arr(&Ref(&TASK_SPEC_CONTAINER_SPEC_ULIMITS_ITEM))),
    ],
);

/// inline in the reference at `TaskSpec.ContainerSpec.Privileges`
pub static TASK_SPEC_CONTAINER_SPEC_PRIVILEGES: Def = def(
    "TaskSpec.ContainerSpec.Privileges",
    &[
        f(
            "CredentialSpec",
            Ref(&TASK_SPEC_CONTAINER_SPEC_PRIVILEGES_CREDENTIAL_SPEC),
        ),
        f(
            "SELinuxContext",
            Ref(&TASK_SPEC_CONTAINER_SPEC_PRIVILEGES_SE_LINUX_CONTEXT),
        ),
    ],
);

/// inline in the reference at `TaskSpec.ContainerSpec.Privileges.CredentialSpec`
pub static TASK_SPEC_CONTAINER_SPEC_PRIVILEGES_CREDENTIAL_SPEC: Def = def(
    "TaskSpec.ContainerSpec.Privileges.CredentialSpec",
    &[f("Config", Str), f("File", Str), f("Registry", Str)],
);

/// inline in the reference at `TaskSpec.ContainerSpec.Privileges.SELinuxContext`
pub static TASK_SPEC_CONTAINER_SPEC_PRIVILEGES_SE_LINUX_CONTEXT: Def = def(
    "TaskSpec.ContainerSpec.Privileges.SELinuxContext",
    &[
        f("Disable", Bool),
        f("User", Str),
        f("Role", Str),
        f("Type", Str),
        f("Level", Str),
    ],
);

/// inline in the reference at `TaskSpec.ContainerSpec.DNSConfig`
pub static TASK_SPEC_CONTAINER_SPEC_DNS_CONFIG: Def = def(
    "TaskSpec.ContainerSpec.DNSConfig",
    &[
        f("Nameservers", Arr(&Str)),
        f("Search", Arr(&Str)),
        f("Options", Arr(&Str)),
    ],
);

/// inline in the reference at `TaskSpec.ContainerSpec.SecretsItem`
pub static TASK_SPEC_CONTAINER_SPEC_SECRETS_ITEM: Def = def(
    "TaskSpec.ContainerSpec.SecretsItem",
    &[
        f("File", Ref(&TASK_SPEC_CONTAINER_SPEC_SECRETS_ITEM_FILE)),
        f("SecretID", Str),
        f("SecretName", Str),
    ],
);

/// inline in the reference at `TaskSpec.ContainerSpec.SecretsItem.File`
pub static TASK_SPEC_CONTAINER_SPEC_SECRETS_ITEM_FILE: Def = def(
    "TaskSpec.ContainerSpec.SecretsItem.File",
    &[f("Name", Str), f("UID", Str), f("GID", Str), f("Mode", Int)],
);

/// inline in the reference at `TaskSpec.ContainerSpec.ConfigsItem`
pub static TASK_SPEC_CONTAINER_SPEC_CONFIGS_ITEM: Def = def(
    "TaskSpec.ContainerSpec.ConfigsItem",
    &[
        f("File", Ref(&TASK_SPEC_CONTAINER_SPEC_CONFIGS_ITEM_FILE)),
        f("Runtime", AnyObj),
        f("ConfigID", Str),
        f("ConfigName", Str),
    ],
);

/// inline in the reference at `TaskSpec.ContainerSpec.ConfigsItem.File`
pub static TASK_SPEC_CONTAINER_SPEC_CONFIGS_ITEM_FILE: Def = def(
    "TaskSpec.ContainerSpec.ConfigsItem.File",
    &[f("Name", Str), f("UID", Str), f("GID", Str), f("Mode", Int)],
);

/// inline in the reference at `TaskSpec.ContainerSpec.UlimitsItem`
pub static TASK_SPEC_CONTAINER_SPEC_ULIMITS_ITEM: Def = def(
    "TaskSpec.ContainerSpec.UlimitsItem",
    &[f("Name", Str), f("Soft", Int), f("Hard", Int)],
);

/// inline in the reference at `TaskSpec.NetworkAttachmentSpec`
pub static TASK_SPEC_NETWORK_ATTACHMENT_SPEC: Def = def("TaskSpec.NetworkAttachmentSpec", &[f("ContainerID", Str)]);

/// inline in the reference at `TaskSpec.Resources`
pub static TASK_SPEC_RESOURCES: Def = def(
    "TaskSpec.Resources",
    &[f("Limits", Ref(&LIMIT)), f("Reservations", Ref(&RESOURCE_OBJECT))],
);

/// `definitions.Limit`
pub static LIMIT: Def = def("Limit", &[f("NanoCPUs", Int), f("MemoryBytes", Int), f("Pids", Int)]);

/// inline in the reference at `TaskSpec.RestartPolicy`
pub static TASK_SPEC_RESTART_POLICY: Def = def(
    "TaskSpec.RestartPolicy",
    &[
        f("Condition", Enum(&["none", "on-failure", "any"])),
        f("Delay", Int),
        f("MaxAttempts", Int),
        f("Window", Int),
    ],
);

/// inline in the reference at `TaskSpec.Placement`
pub static TASK_SPEC_PLACEMENT: Def = def(
    "TaskSpec.Placement",
    &[
        f("Constraints", Arr(&Str)),
        f("Preferences", Arr(&Ref(&TASK_SPEC_PLACEMENT_PREFERENCES_ITEM))),
        f("MaxReplicas", Int),
        f("Platforms", Arr(&Ref(&PLATFORM))),
    ],
);

/// inline in the reference at `TaskSpec.Placement.PreferencesItem`
pub static TASK_SPEC_PLACEMENT_PREFERENCES_ITEM: Def = def(
    "TaskSpec.Placement.PreferencesItem",
    &[f("Spread", Ref(&TASK_SPEC_PLACEMENT_PREFERENCES_ITEM_SPREAD))],
);

/// inline in the reference at `TaskSpec.Placement.PreferencesItem.Spread`
pub static TASK_SPEC_PLACEMENT_PREFERENCES_ITEM_SPREAD: Def = def(
    "TaskSpec.Placement.PreferencesItem.Spread",
    &[f("SpreadDescriptor", Str)],
);

/// `definitions.NetworkAttachmentConfig`
pub static NETWORK_ATTACHMENT_CONFIG: Def = def(
    "NetworkAttachmentConfig",
    &[f("Target", Str), f("Aliases", Arr(&Str)), f("DriverOpts", Map(&Str))],
);

/// inline in the reference at `TaskSpec.LogDriver`
pub static TASK_SPEC_LOG_DRIVER: Def = def("TaskSpec.LogDriver", &[f("Name", Str), f("Options", Map(&Str))]);

/// inline in the reference at `ServiceSpec.Mode`
pub static SERVICE_SPEC_MODE: Def = def(
    "ServiceSpec.Mode",
    &[
        f("Replicated", Ref(&SERVICE_SPEC_MODE_REPLICATED)),
        f("Global", AnyObj),
        f("ReplicatedJob", Ref(&SERVICE_SPEC_MODE_REPLICATED_JOB)),
        f("GlobalJob", AnyObj),
    ],
);

/// inline in the reference at `ServiceSpec.Mode.Replicated`
pub static SERVICE_SPEC_MODE_REPLICATED: Def = def("ServiceSpec.Mode.Replicated", &[f("Replicas", Int)]);

/// inline in the reference at `ServiceSpec.Mode.ReplicatedJob`
pub static SERVICE_SPEC_MODE_REPLICATED_JOB: Def = def(
    "ServiceSpec.Mode.ReplicatedJob",
    &[f("MaxConcurrent", Int), f("TotalCompletions", Int)],
);

/// inline in the reference at `ServiceSpec.UpdateConfig`
pub static SERVICE_SPEC_UPDATE_CONFIG: Def = def(
    "ServiceSpec.UpdateConfig",
    &[
        f("Parallelism", Int),
        f("Delay", Int),
        f("FailureAction", Enum(&["continue", "pause", "rollback"])),
        f("Monitor", Int),
        f("MaxFailureRatio", Num),
        f("Order", Enum(&["stop-first", "start-first"])),
    ],
);

/// inline in the reference at `ServiceSpec.RollbackConfig`
pub static SERVICE_SPEC_ROLLBACK_CONFIG: Def = def(
    "ServiceSpec.RollbackConfig",
    &[
        f("Parallelism", Int),
        f("Delay", Int),
        f("FailureAction", Enum(&["continue", "pause"])),
        f("Monitor", Int),
        f("MaxFailureRatio", Num),
        f("Order", Enum(&["stop-first", "start-first"])),
    ],
);

/// `definitions.EndpointSpec`
pub static ENDPOINT_SPEC: Def = def(
    "EndpointSpec",
    &[
        f("Mode", Enum(&["vip", "dnsrr"])),
        f("Ports", Arr(&Ref(&ENDPOINT_PORT_CONFIG))),
    ],
);

/// `definitions.EndpointPortConfig`
pub static ENDPOINT_PORT_CONFIG: Def = def(
    "EndpointPortConfig",
    &[
        f("Name", Str),
        f("Protocol", Enum(&["tcp", "udp", "sctp"])),
        f("TargetPort", Int),
        f("PublishedPort", Int),
        f("PublishMode", Enum(&["ingress", "host"])),
    ],
);

/// inline in the reference at `Service.Endpoint`
pub static SERVICE_ENDPOINT: Def = def(
    "Service.Endpoint",
    &[
        f("Spec", Ref(&ENDPOINT_SPEC)),
        f("Ports", Arr(&Ref(&ENDPOINT_PORT_CONFIG))),
        f("VirtualIPs", Arr(&Ref(&SERVICE_ENDPOINT_VIRTUAL_I_PS_ITEM))),
    ],
);

/// inline in the reference at `Service.Endpoint.VirtualIPsItem`
pub static SERVICE_ENDPOINT_VIRTUAL_I_PS_ITEM: Def = def(
    "Service.Endpoint.VirtualIPsItem",
    &[f("NetworkID", Str), f("Addr", Str)],
);

/// inline in the reference at `Service.UpdateStatus`
pub static SERVICE_UPDATE_STATUS: Def = def(
    "Service.UpdateStatus",
    &[
        f("State", Enum(&["updating", "paused", "completed"])),
        f("StartedAt", Str),
        f("CompletedAt", Str),
        f("Message", Str),
    ],
);

/// inline in the reference at `Service.ServiceStatus`
pub static SERVICE_SERVICE_STATUS: Def = def(
    "Service.ServiceStatus",
    &[f("RunningTasks", Int), f("DesiredTasks", Int), f("CompletedTasks", Int)],
);

/// inline in the reference at `Service.JobStatus`
pub static SERVICE_JOB_STATUS: Def = def(
    "Service.JobStatus",
    &[f("JobIteration", Ref(&OBJECT_VERSION)), f("LastExecution", Str)],
);

/// `paths./services/create.post.responses.201` (ServiceCreate), titled `ServiceCreateResponse`
pub static SERVICE_CREATE_RESPONSE: Def = def("ServiceCreateResponse", &[f("ID", Str), f("Warning", Str)]);

/// `definitions.ServiceUpdateResponse`
pub static SERVICE_UPDATE_RESPONSE: Def = def("ServiceUpdateResponse", &[f("Warnings", Arr(&Str))]);

/// `definitions.Task`
pub static TASK: Def = def(
    "Task",
    &[
        f("ID", Str),
        f("Version", Ref(&OBJECT_VERSION)),
        f("CreatedAt", Str),
        f("UpdatedAt", Str),
        f("Name", Str),
        f("Labels", Map(&Str)),
        f("Spec", Ref(&TASK_SPEC)),
        f("ServiceID", Str),
        f("Slot", Int),
        f("NodeID", Str),
        f("AssignedGenericResources", GENERIC_RESOURCES),
        f("Status", Ref(&TASK_STATUS)),
        f("DesiredState", TASK_STATE),
        f("JobIteration", Ref(&OBJECT_VERSION)),
        f("NetworksAttachments", Arr(&Ref(&NETWORK_ATTACHMENT))),
    ],
);

/// inline in the reference at `Task.Status`
pub static TASK_STATUS: Def = def(
    "Task.Status",
    &[
        f("Timestamp", Str),
        f("State", TASK_STATE),
        f("Message", Str),
        f("Err", Str),
        f("ContainerStatus", Ref(&TASK_STATUS_CONTAINER_STATUS)),
    ],
);

/// `definitions.TaskState`
pub const TASK_STATE: Ty = Enum(&[
    "new",
    "allocated",
    "pending",
    "assigned",
    "accepted",
    "preparing",
    "ready",
    "starting",
    "running",
    "complete",
    "shutdown",
    "failed",
    "rejected",
    "remove",
    "orphaned",
]);

/// inline in the reference at `Task.Status.ContainerStatus`
pub static TASK_STATUS_CONTAINER_STATUS: Def = def(
    "Task.Status.ContainerStatus",
    &[f("ContainerID", Str), f("PID", Int), f("ExitCode", Int)],
);

/// `definitions.NetworkAttachment`
pub static NETWORK_ATTACHMENT: Def = def(
    "NetworkAttachment",
    &[f("Network", Ref(&NETWORK)), f("Addresses", Arr(&Str))],
);

/// `definitions.Secret`
pub static SECRET: Def = def(
    "Secret",
    &[
        f("ID", Str),
        f("Version", Ref(&OBJECT_VERSION)),
        f("CreatedAt", Str),
        f("UpdatedAt", Str),
        f("Spec", Ref(&SECRET_SPEC)),
    ],
);

/// `definitions.SecretSpec`
pub static SECRET_SPEC: Def = def(
    "SecretSpec",
    &[
        f("Name", Str),
        f("Labels", Map(&Str)),
        f("Data", Str),
        f("Driver", Ref(&DRIVER)),
        f("Templating", Ref(&DRIVER)),
    ],
);

/// `definitions.Driver`
pub static DRIVER: Def = def("Driver", &[f("Name", Str).req().nn(), f("Options", Map(&Str)).nn()]);

/// `definitions.Config`
pub static CONFIG: Def = def(
    "Config",
    &[
        f("ID", Str),
        f("Version", Ref(&OBJECT_VERSION)),
        f("CreatedAt", Str),
        f("UpdatedAt", Str),
        f("Spec", Ref(&CONFIG_SPEC)),
    ],
);

/// `definitions.ConfigSpec`
pub static CONFIG_SPEC: Def = def(
    "ConfigSpec",
    &[
        f("Name", Str),
        f("Labels", Map(&Str)),
        f("Data", Str),
        f("Templating", Ref(&DRIVER)),
    ],
);

/// `definitions.DistributionInspect`
pub static DISTRIBUTION_INSPECT: Def = def(
    "DistributionInspect",
    &[
        f("Descriptor", Ref(&OCI_DESCRIPTOR)).req(),
        f("Platforms", Arr(&Ref(&OCI_PLATFORM))).req(),
    ],
);

/// `definitions.OCIDescriptor`
pub static OCI_DESCRIPTOR: Def = def(
    "OCIDescriptor",
    &[f("mediaType", Str), f("digest", Str), f("size", Int)],
);

/// `definitions.OCIPlatform`
pub static OCI_PLATFORM: Def = def(
    "OCIPlatform",
    &[
        f("architecture", Str),
        f("os", Str),
        f("os.version", Str),
        f("os.features", Arr(&Str)),
        f("variant", Str),
    ],
);
