/** Where the parts of `scheme://[userinfo@]host[:port][/path][?query][#fragment]` are. */
export interface UrlAuthority {
  /** Index of `://`. */
  sep: number;
  /** The host, after any userinfo (IPv6 with its brackets). */
  hostStart: number;
  /** End of the host, before any `:port`. */
  hostEnd: number;
  /** End of the authority: the first `/`, `?` or `#` after `://`, or the end. */
  end: number;
}

/** The authority of an absolute URL as written (no validation, no allocation), or undefined without `://`. */
export function urlAuthority(url: string): UrlAuthority | undefined {
  const sep = url.indexOf('://');
  if (sep <= 0) return undefined;
  let end = sep + 3;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 || c === 63 || c === 35) break;
    end++;
  }
  const at = url.lastIndexOf('@', end - 1);
  const hostStart = at > sep ? at + 1 : sep + 3;
  let hostEnd = end;
  const colon = url.lastIndexOf(':', end - 1);
  // a port follows the last colon unless it is inside an IPv6 literal's brackets
  if (colon >= hostStart && url.indexOf(']', colon) === -1) hostEnd = colon;
  return { sep, hostStart, hostEnd, end };
}

/** The lower-case host of a URL without brackets or a trailing dot, or undefined. */
export function urlHostOf(url: string): string | undefined {
  const a = urlAuthority(url);
  if (!a) return undefined;
  let host = url.slice(a.hostStart, a.hostEnd).toLowerCase();
  if (host.startsWith('[')) host = host.slice(1, host.indexOf(']') < 0 ? host.length : host.indexOf(']'));
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host || undefined;
}
