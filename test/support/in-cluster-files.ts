/**
 * Runs a command the way kubelet runs a pod's container with a projected service-account volume:
 * in a mount namespace of its own, the files appear at the in-cluster path
 * (/var/run/secrets/kubernetes.io/serviceaccount), and nothing on the machine changes. A tmpfs
 * over /run (the target of /var/run) keeps the machine's own /run out of it. Without root, a user
 * namespace maps the caller to root inside.
 */
const POD_MOUNT_SCRIPT = [
  'set -e',
  'mount -t tmpfs -o mode=0755 tmpfs /run',
  'mkdir -p /run/secrets/kubernetes.io/serviceaccount',
  'mount --bind "$0" /run/secrets/kubernetes.io/serviceaccount',
  'exec "$@"',
].join('\n');

/** `command args…` wrapped so that it sees `serviceAccountDir` at the in-cluster path. */
export function withInClusterFiles(
  serviceAccountDir: string,
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  const asRoot = process.getuid?.() === 0;
  return {
    command: 'unshare',
    args: [
      ...(asRoot ? [] : ['--user', '--map-root-user']),
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      POD_MOUNT_SCRIPT,
      serviceAccountDir,
      command,
      ...args,
    ],
  };
}
