import { describe, expect, it } from 'vitest';
import { AwsError } from '../../broker-fixtures/aws-api/aws-error.js';
import { authenticate, type SignedRequest } from '../../broker-fixtures/aws-api/sigv4-auth.js';

// The AWS Signature Version 4 test suite's example key and requests (get-vanilla and
// get-vanilla-query-order-key-case).
const KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const NOW = Date.UTC(2015, 7, 30, 12, 36, 0);

function request(url: string, signature: string): SignedRequest {
  return {
    method: 'GET',
    url,
    headers: {
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
    },
    body: Buffer.alloc(0),
  };
}

function refusal(fn: () => unknown): AwsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AwsError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('SigV4 header authentication', () => {
  it('accepts the AWS test suite requests signed with its example key', () => {
    expect(
      authenticate(
        request('/', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'),
        [KEY],
        NOW,
      ),
    ).toEqual({ accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'service' });
    // Query parameters are sorted before signing.
    expect(
      authenticate(
        request(
          '/?Param2=value2&Param1=value1',
          'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
        ),
        [KEY],
        NOW,
      ).service,
    ).toBe('service');
  });

  it('refuses a changed request, a wrong key, an unknown key and a request signed 15 minutes off', () => {
    const sig = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
    expect(refusal(() => authenticate(request('/other', sig), [KEY], NOW)).type).toBe(
      'InvalidSignatureException',
    );
    expect(refusal(() => authenticate(request('/', sig), [{ ...KEY, secretAccessKey: 'x' }], NOW)).type).toBe(
      'InvalidSignatureException',
    );
    expect(
      refusal(() => authenticate(request('/', sig), [{ ...KEY, accessKeyId: 'AKIDOTHER' }], NOW)).type,
    ).toBe('UnrecognizedClientException');
    const late = refusal(() => authenticate(request('/', sig), [KEY], NOW + 16 * 60_000));
    expect([late.status, late.type, late.message]).toEqual([
      403,
      'InvalidSignatureException',
      expect.stringContaining('Signature expired'),
    ]);
  });

  it('without keys accepts any well-formed signature and refuses malformed ones', () => {
    expect(authenticate(request('/', 'ab'.repeat(32)), [], 0).accessKeyId).toBe('AKIDEXAMPLE');
    const none = { ...request('/', 'ab'.repeat(32)), headers: { host: 'h' } };
    expect(refusal(() => authenticate(none, [], 0)).type).toBe('MissingAuthenticationTokenException');
    expect(refusal(() => authenticate(request('/', 'not-hex'), [], 0)).type).toBe(
      'IncompleteSignatureException',
    );
    const noDate = request('/', 'ab'.repeat(32));
    delete noDate.headers['x-amz-date'];
    expect(refusal(() => authenticate(noDate, [], 0)).type).toBe('IncompleteSignatureException');
    const badScope = request('/', 'ab'.repeat(32));
    badScope.headers.authorization = String(badScope.headers.authorization).replace('/aws4_request', '/aws5');
    expect(refusal(() => authenticate(badScope, [], 0)).type).toBe('IncompleteSignatureException');
  });
});
