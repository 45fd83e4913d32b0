package v1alpha1

// The words in this file are API: alerts, dashboards, GitOps tools and the
// CLI match on them. Add words; never rename one.

// HealthStatus is the verdict on a workload or a pod, in Argo CD's words.
// +kubebuilder:validation:Enum=Healthy;Progressing;Degraded;Suspended;Unknown
type HealthStatus string

const (
	// HealthHealthy: every desired pod is ready (a Job completed, a CronJob's
	// last run succeeded).
	HealthHealthy HealthStatus = "Healthy"
	// HealthProgressing: pods are starting, a rollout is under way, or fewer
	// pods are ready than desired without a failure, inside the windows.
	HealthProgressing HealthStatus = "Progressing"
	// HealthDegraded: something failed and will not fix itself: a crash
	// loop, an image that cannot be pulled, a failed Job, a pod that could
	// not be scheduled or become ready within its window.
	HealthDegraded HealthStatus = "Degraded"
	// HealthSuspended: the workload asks for no pods (paused, suspended,
	// scaled to zero).
	HealthSuspended HealthStatus = "Suspended"
	// HealthUnknown: the truth cannot be known, for example the node of a
	// pod stopped reporting.
	HealthUnknown HealthStatus = "Unknown"
)

// ContainerState is the state a container is in.
type ContainerState string

const (
	// ContainerWaiting: the container is not running yet or any more.
	ContainerWaiting ContainerState = "Waiting"
	// ContainerRunning: the container's process runs.
	ContainerRunning ContainerState = "Running"
	// ContainerTerminated: the container's process exited.
	ContainerTerminated ContainerState = "Terminated"
)

// HintSeverity says how urgently a hint needs attention.
// +kubebuilder:validation:Enum=Critical;Warning;Info
type HintSeverity string

const (
	// SeverityCritical: the workload is failing because of this.
	SeverityCritical HintSeverity = "Critical"
	// SeverityWarning: something is wrong but the workload may still serve.
	SeverityWarning HintSeverity = "Warning"
	// SeverityInfo: worth knowing, nothing is failing yet.
	SeverityInfo HintSeverity = "Info"
)

// HintCode names a diagnosis. The constants below and the hint catalogue
// of the docs are the list of codes; the schema only bounds their shape
// (CamelCase, at most 64 characters), not their values, so that an older
// CRD accepts the codes of a newer manager.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=64
// +kubebuilder:validation:Pattern=`^[A-Z][A-Za-z0-9]*$`
type HintCode string

const (
	// HintCrashLoopBackOff: a container keeps exiting and the kubelet backs
	// off: it waits in CrashLoopBackOff, or it restarted since its pod
	// last became not ready.
	HintCrashLoopBackOff HintCode = "CrashLoopBackOff"
	// HintOOMKilled: a container was killed for exceeding its memory limit.
	HintOOMKilled HintCode = "OOMKilled"
	// HintImagePullFailed: an image cannot be pulled.
	HintImagePullFailed HintCode = "ImagePullFailed"
	// HintConfigMissing: a ConfigMap, Secret or key the pod needs is
	// missing, or the application says a required environment variable or
	// configuration file is.
	HintConfigMissing HintCode = "ConfigMissing"
	// HintReadinessProbeFailed: the readiness probe fails.
	HintReadinessProbeFailed HintCode = "ReadinessProbeFailed"
	// HintLivenessProbeFailed: the liveness probe fails.
	HintLivenessProbeFailed HintCode = "LivenessProbeFailed"
	// HintStartupProbeFailed: the startup probe fails.
	HintStartupProbeFailed HintCode = "StartupProbeFailed"
	// HintDNSFailure: a name could not be resolved (Go's resolver, glibc,
	// Java, Node.js, Python, Ruby, nginx, libpq, the MySQL client).
	HintDNSFailure HintCode = "DNSFailure"
	// HintDependencyUnreachable: a connection to another address was
	// refused or timed out.
	HintDependencyUnreachable HintCode = "DependencyUnreachable"
	// HintUnschedulable: the scheduler cannot place a pod.
	HintUnschedulable HintCode = "Unschedulable"
	// HintVolumeMountFailed: a volume cannot be attached or mounted.
	HintVolumeMountFailed HintCode = "VolumeMountFailed"
	// HintEvicted: a pod was evicted, usually for node pressure.
	HintEvicted HintCode = "Evicted"
	// HintNodeLost: the node of a pod stopped reporting.
	HintNodeLost HintCode = "NodeLost"
	// HintInitContainerFailed: an init container failed.
	HintInitContainerFailed HintCode = "InitContainerFailed"
	// HintStuckTerminating: a pod has been terminating for too long.
	HintStuckTerminating HintCode = "StuckTerminating"
	// HintRolloutStuck: a Deployment exceeded its progress deadline.
	HintRolloutStuck HintCode = "RolloutStuck"
	// HintReplicaShortfall: the controller cannot create the pods it wants.
	HintReplicaShortfall HintCode = "ReplicaShortfall"
	// HintJobFailed: a Job failed for good.
	HintJobFailed HintCode = "JobFailed"
	// HintFrequentRestarts: a pod that is ready now restarted often recently.
	HintFrequentRestarts HintCode = "FrequentRestarts"
	// HintSandboxFailed: the runtime could not create the pod's sandbox.
	HintSandboxFailed HintCode = "SandboxFailed"
	// HintOwnerDegraded: a custom workload (a kind the manager does not
	// know, such as an Argo Rollout) says in its own status that it
	// failed: a Stalled or Degraded condition that is True.
	HintOwnerDegraded HintCode = "OwnerDegraded"
	// HintOwnerStatusUnreadable: the manager may not read a custom
	// workload's own object, so it judged the workload from its pods only.
	HintOwnerStatusUnreadable HintCode = "OwnerStatusUnreadable"
	// HintTLSFailure: a TLS handshake or certificate check failed (an
	// unknown authority, an expired certificate, a name the certificate
	// does not cover, plain HTTP where TLS was expected). Severity from the
	// pod: Critical when its failure makes the target Degraded, else
	// Warning.
	HintTLSFailure HintCode = "TLSFailure"
	// HintCredentialsRejected: a dependency (a database, a cache, a broker,
	// a cloud API) rejected the credentials it was given. Severity from the
	// pod.
	HintCredentialsRejected HintCode = "CredentialsRejected"
	// HintPermissionDenied: the process may not read or write a file or
	// volume (EACCES, a read-only file system). Severity from the pod.
	HintPermissionDenied HintCode = "PermissionDenied"
	// HintAppOutOfMemory: the runtime itself ran out of memory (Java's
	// OutOfMemoryError, Go's "fatal error: runtime: out of memory", V8's
	// heap limit): a heap setting or a leak, distinct from OOMKilled, where
	// the kernel killed the container at its limit. Severity from the pod.
	HintAppOutOfMemory HintCode = "AppOutOfMemory"
	// HintAppPanic: the process died of a panic or an uncaught exception;
	// the evidence is the first line of its trace. Severity from the pod.
	HintAppPanic HintCode = "AppPanic"
)

// EvidenceSource says where a hint's evidence was read. Like the hint
// codes, the schema bounds its shape, not its values, so that an older
// CRD accepts the sources of a newer manager.
// +kubebuilder:validation:MaxLength=32
// +kubebuilder:validation:Pattern=`^[a-z][A-Za-z]*$`
type EvidenceSource string

const (
	// EvidenceFromLog: a line of the previous log of a crashed container.
	EvidenceFromLog EvidenceSource = "log"
	// EvidenceFromTerminationMessage: a line of a container's termination
	// message.
	EvidenceFromTerminationMessage EvidenceSource = "terminationMessage"
	// EvidenceFromEvent: a line of a Warning event's message.
	EvidenceFromEvent EvidenceSource = "event"
	// EvidenceFromStatus: a line of a message in the status of the pod
	// (its own message, a condition's), of a waiting container, or of the
	// workload (a condition's).
	EvidenceFromStatus EvidenceSource = "status"
)

// Condition types, following kstatus.
const (
	// ConditionReady is True when the target is Healthy or Suspended.
	ConditionReady = "Ready"
	// ConditionReconciling is True while the target is Progressing or its
	// health is Unknown: it may still become healthy by itself. Absent
	// otherwise (kstatus reads absent as False).
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when the target is Degraded: it will not
	// become healthy without someone acting. Absent otherwise.
	ConditionStalled = "Stalled"
)

// Condition reasons used besides the worst pod's STATUS, which is the
// reason of Ready=False, Reconciling=True and Stalled=True.
const (
	// ReasonHealthy is the reason of Ready=True for a healthy target.
	ReasonHealthy = "Healthy"
	// ReasonSuspended is the reason of Ready=True for a suspended target.
	ReasonSuspended = "Suspended"
	// ReasonProgressing is the reason used when no pod STATUS explains why
	// a target is progressing.
	ReasonProgressing = "Progressing"
	// ReasonDegraded is the reason used when no pod STATUS explains why a
	// target is degraded.
	ReasonDegraded = "Degraded"
	// ReasonUnknown is the reason used when no pod STATUS explains why a
	// target's health is unknown.
	ReasonUnknown = "Unknown"
)

// Labels and annotations the controller puts on every WorkloadHealth.
const (
	// LabelTargetKind is the lower-case kind of the target.
	LabelTargetKind = "health.workloadhealth.io/target-kind"
	// LabelTargetGroup is the API group of the target, empty for the core
	// group, hashed when over 63 characters.
	LabelTargetGroup = "health.workloadhealth.io/target-group"
	// LabelTargetName is the name of the target, hashed when over 63
	// characters.
	LabelTargetName = "health.workloadhealth.io/target-name"
	// AnnotationArgoIgnoreUpdates stops Argo CD from refreshing an
	// application on every status update of a WorkloadHealth.
	AnnotationArgoIgnoreUpdates = "argocd.argoproj.io/ignore-resource-updates"
)

// LabelSkip set to "true" on a namespace or on a workload (the target
// object: a Deployment, a bare Pod, an Argo Rollout, ...) tells the manager
// to leave it alone: no WorkloadHealth is written for it, and one written
// before is deleted.
const LabelSkip = "health.workloadhealth.io/skip"

// Bounds the controller keeps and the CRD schema states.
const (
	// MaxMessageBytes bounds every message copied from the cluster.
	MaxMessageBytes = 1024
	// MaxEvidenceBytes bounds a hint's evidence: one line.
	MaxEvidenceBytes = 256
	// MaxPods bounds status.pods; --max-pods-per-workload cannot exceed it.
	MaxPods = 100
	// MaxContainersPerPod bounds status.pods[].containers.
	MaxContainersPerPod = 32
	// MaxHints bounds status.hints.
	MaxHints = 32
	// MaxPodsPerHint bounds status.hints[].pods.
	MaxPodsPerHint = 5
	// MaxPodCounts bounds the number of keys of status.podCounts.
	MaxPodCounts = 64
)
