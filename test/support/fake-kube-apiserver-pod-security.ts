// Pod Security admission for the fake Kubernetes API server: the namespace's
// `pod-security.kubernetes.io/enforce` level (https://kubernetes.io/docs/concepts/security/pod-security-admission/)
// checked against the "restricted" and "baseline" policies of
// https://kubernetes.io/docs/concepts/security/pod-security-standards/ . Admission judges pods, so a
// non-compliant template is accepted on the Deployment and fails when the ReplicaSet creates pods.

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

type SecurityContext = {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
};
type Container = { name: string; securityContext?: SecurityContext };
type PodSpec = {
  securityContext?: SecurityContext;
  containers?: Container[];
  initContainers?: Container[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: Record<string, unknown>[];
};

const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/** The violations of `spec` at `level`, as the admission message lists them; empty when it passes. */
export function podSecurityViolations(spec: PodSpec, level: PodSecurityLevel): string[] {
  if (level === 'privileged') return [];
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const out: string[] = [];
  const names = (list: Container[]) => list.map((c) => `"${c.name}"`).join(', ');
  // Baseline.
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) out.push('host namespaces (hostNetwork=true, hostPID=true or hostIPC=true)');
  const privileged = containers.filter((c) => c.securityContext?.privileged);
  if (privileged.length) out.push(`privileged (containers ${names(privileged)} must not set securityContext.privileged=true)`);
  if (level === 'baseline') return out;
  // Restricted.
  const escalating = containers.filter((c) => c.securityContext?.allowPrivilegeEscalation !== false);
  if (escalating.length) out.push(`allowPrivilegeEscalation != false (containers ${names(escalating)} must set securityContext.allowPrivilegeEscalation=false)`);
  const undropped = containers.filter((c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL'));
  if (undropped.length) out.push(`unrestricted capabilities (containers ${names(undropped)} must set securityContext.capabilities.drop=["ALL"])`);
  const added = containers.filter((c) => (c.securityContext?.capabilities?.add ?? []).some((cap) => cap !== 'NET_BIND_SERVICE'));
  if (added.length) out.push(`unrestricted capabilities (containers ${names(added)} must not add capabilities beyond NET_BIND_SERVICE)`);
  const podNonRoot = spec.securityContext?.runAsNonRoot === true;
  const rooted = containers.filter((c) => !(c.securityContext?.runAsNonRoot ?? podNonRoot));
  if (rooted.length) out.push(`runAsNonRoot != true (pod or containers ${names(rooted)} must set securityContext.runAsNonRoot=true)`);
  const uidZero = (spec.securityContext?.runAsUser === 0 ? containers : containers.filter((c) => c.securityContext?.runAsUser === 0));
  if (uidZero.length) out.push(`runAsUser=0 (containers ${names(uidZero)} must not set runAsUser=0)`);
  const podSeccomp = spec.securityContext?.seccompProfile?.type;
  const unconfined = containers.filter((c) => !['RuntimeDefault', 'Localhost'].includes(c.securityContext?.seccompProfile?.type ?? podSeccomp ?? ''));
  if (unconfined.length) out.push(`seccompProfile (pod or containers ${names(unconfined)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`);
  const volumes = (spec.volumes ?? []).filter((v) => Object.keys(v).some((k) => k !== 'name' && !RESTRICTED_VOLUMES.has(k)));
  if (volumes.length) out.push(`restricted volume types (volumes ${volumes.map((v) => `"${String(v.name)}"`).join(', ')} use a type the restricted policy forbids)`);
  return out;
}
