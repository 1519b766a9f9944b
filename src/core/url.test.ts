import { describe, expect, it } from 'vitest';
import { urlAuthority, urlHostOf } from './url.js';

describe('urlAuthority / urlHostOf', () => {
  it('finds the host past userinfo, before a port, with or without IPv6 brackets', () => {
    const host = (u: string) => {
      const a = urlAuthority(u)!;
      return u.slice(a.hostStart, a.hostEnd);
    };
    expect(host('http://Evil.Example:8080/x?y#z')).toBe('Evil.Example');
    expect(host('https://user:pw@host.example/')).toBe('host.example');
    expect(host('http://[2001:db8::1]:443/')).toBe('[2001:db8::1]');
    expect(host('http://[2001:db8::1]/')).toBe('[2001:db8::1]');
    expect(host('http://host.example?q=http://other:1/')).toBe('host.example');
    expect(urlAuthority('no scheme here')).toBeUndefined();
    expect(urlHostOf('HTTP://[2001:DB8::1]:8080/a')).toBe('2001:db8::1');
    expect(urlHostOf('http://Files.Example.NET./x')).toBe('files.example.net');
  });
});
