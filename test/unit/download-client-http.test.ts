import { describe, expect, it } from 'vitest';
import {
  httpGetRequest,
  httpParseHeader,
  urlParseFile,
  urlParseHost,
  urlParsePort,
  urlParseProto,
} from '../../cloud-libs/download-client/index.js';
import {
  Errno,
  IPPROTO_DTLS_1_2,
  IPPROTO_TCP,
  IPPROTO_TLS_1_2,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOCK_STREAM,
} from '../../modem/sockets/index.js';

describe('download_client URL parsing (parse.c)', () => {
  it('takes the protocol from the scheme prefix, and -EINVAL without one', () => {
    expect(urlParseProto('https://fw.example.com/a')).toEqual({ proto: IPPROTO_TLS_1_2, type: SOCK_STREAM });
    expect(urlParseProto('http://fw.example.com')).toEqual({ proto: IPPROTO_TCP, type: SOCK_STREAM });
    expect(urlParseProto('coaps://x')).toEqual({ proto: IPPROTO_DTLS_1_2, type: SOCK_DGRAM });
    expect(urlParseProto('coap://x')).toEqual({ proto: IPPROTO_UDP, type: SOCK_DGRAM });
    expect(urlParseProto('fw.example.com')).toBe(-Errno.EINVAL);
  });

  it('cuts the host at the first colon or slash, keeps IPv6 brackets, and limits its length', () => {
    expect(urlParseHost('https://fw.example.com:8443/a/b', 64)).toBe('fw.example.com');
    expect(urlParseHost('fw.example.com/a', 64)).toBe('fw.example.com');
    expect(urlParseHost('fw.example.com', 64)).toBe('fw.example.com');
    expect(urlParseHost('http://[2001:db8::1]:8080/f', 64)).toBe('[2001:db8::1]');
    expect(urlParseHost('http://[2001:db8::1/f', 64)).toBe(-Errno.EINVAL);
    expect(urlParseHost(`https://${'a'.repeat(64)}/f`, 64)).toBe(-Errno.E2BIG);
  });

  it('reads an explicit port, also after an IPv6 literal', () => {
    expect(urlParsePort('https://fw.example.com:8443/a')).toBe(8443);
    expect(urlParsePort('http://[::1]:8080')).toBe(8080);
    expect(urlParsePort('https://fw.example.com/a')).toBeUndefined();
    expect(urlParsePort('http://[::1]/a')).toBeUndefined();
  });

  it('takes the file after the host when given a URL, verbatim otherwise', () => {
    expect(urlParseFile('https://fw.example.com/v1/app_update.bin', 192)).toBe('v1/app_update.bin');
    expect(urlParseFile('v1/app_update.bin?X-Amz-Expires=60', 192)).toBe(
      'v1/app_update.bin?X-Amz-Expires=60',
    );
    expect(urlParseFile('https://fw.example.com', 192)).toBe(-Errno.EINVAL);
    expect(urlParseFile('f'.repeat(192), 192)).toBe(-Errno.E2BIG);
  });
});

describe('download_client HTTP requests (http.c)', () => {
  const base = { host: 'fw.example.com', file: 'v1/app.bin', fileSize: 0, fragSize: 2048 };

  it('asks for one fragment per request, and never past the end once the size is known', () => {
    expect(httpGetRequest({ ...base, progress: 0, ranged: true }).text).toBe(
      'GET /v1/app.bin HTTP/1.1\r\nHost: fw.example.com\r\nRange: bytes=0-2047\r\nConnection: keep-alive\r\n\r\n',
    );
    expect(httpGetRequest({ ...base, progress: 4096, fileSize: 5000, ranged: true }).text).toContain(
      'Range: bytes=4096-4999\r\n',
    );
  });

  it('without ranges asks for the whole file, or the rest of it from an offset', () => {
    const whole = httpGetRequest({ ...base, progress: 0, ranged: false });
    expect(whole).toEqual({
      text: 'GET /v1/app.bin HTTP/1.1\r\nHost: fw.example.com\r\nConnection: keep-alive\r\n\r\n',
      ranged: false,
    });
    expect(httpGetRequest({ ...base, progress: 100, ranged: false }).text).toContain('Range: bytes=100-\r\n');
  });
});

describe('download_client response headers (http.c)', () => {
  const parse = (text: string, state = { ranged: true, progress: 0, fileSize: 0 }) => {
    const buf = Buffer.from(text, 'latin1');
    return httpParseHeader(buf, buf.length, state);
  };

  it('waits for the blank line that ends the header', () => {
    expect(parse('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-1/9\r\n')).toEqual({
      kind: 'incomplete',
    });
  });

  it('reads the file size after the slash of Content-Range, whatever the case of the header', () => {
    expect(parse('HTTP/1.1 206 Partial Content\r\nCONTENT-RANGE: bytes 0-2047/100000\r\n\r\nxx')).toEqual({
      kind: 'header',
      length: 68,
      fileSize: 100000,
      connectionClose: false,
    });
  });

  it('adds Content-Length to the starting offset on a plain request, and notes Connection: close', () => {
    expect(
      parse('HTTP/1.1 200 OK\r\ncontent-length: 500\r\nconnection: close\r\n\r\n', {
        ranged: false,
        progress: 0,
        fileSize: 0,
      }),
    ).toMatchObject({ kind: 'header', fileSize: 500, connectionClose: true });
    expect(
      parse('HTTP/1.1 206 Partial Content\r\nContent-Length: 400\r\n\r\n', {
        ranged: false,
        progress: 100,
        fileSize: 0,
      }),
    ).toMatchObject({ kind: 'header', fileSize: 500 });
  });

  it('refuses another status than the one asked for, and a missing size', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n')).toMatchObject({ kind: 'error' });
    expect(parse('HTTP/1.1 416 Range Not Satisfiable\r\n\r\n')).toMatchObject({
      kind: 'error',
      reason: 'unexpected HTTP response: 416 range not satisfiable',
    });
    expect(parse('HTTP/1.1 206 Partial Content\r\nContent-Length: 5\r\n\r\n')).toMatchObject({
      kind: 'error',
      reason: 'server did not send "Content-Range" in response',
    });
    expect(parse('HTTP/1.0 206 Partial Content\r\n\r\n')).toMatchObject({
      kind: 'error',
      reason: 'server response missing HTTP/1.1',
    });
  });

  it('does not read the size again once known', () => {
    expect(
      parse('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 2048-4095/9999\r\n\r\n', {
        ranged: true,
        progress: 2048,
        fileSize: 100000,
      }),
    ).toMatchObject({ kind: 'header', fileSize: 0 });
  });
});
