// Which hosts may http nodes call? The allow-list and how a hostname is matched against it.

/** Returns the allow-list from CUTOVER_HTTP_ALLOW_HOSTS (comma-separated), read now rather than at import. */
export function allowHostsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.CUTOVER_HTTP_ALLOW_HOSTS ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== "");
}

/**
 * Returns true when `hostname` is on the list: an entry matches exactly, or `*.example.com` matches
 * any subdomain of example.com (not example.com itself).
 */
export function isHostAllowed(hostname: string, allowHosts: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return allowHosts.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (e.startsWith("*.")) return host.endsWith(e.slice(1)) && host.length > e.length - 1;
    return host === e;
  });
}
