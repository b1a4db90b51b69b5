function escape(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

/** Renders `<Name>` elements from an object; nested objects become nested elements, arrays repeat. */
export function xmlElements(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      if (Array.isArray(v)) return v.map((item) => xmlElements({ [k]: item })).join('');
      if (typeof v === 'object' && v !== null)
        return `<${k}>${xmlElements(v as Record<string, unknown>)}</${k}>`;
      return `<${k}>${escape(String(v))}</${k}>`;
    })
    .join('');
}

export function xmlDocument(root: string, fields: Record<string, unknown>, namespace = false): string {
  const ns = namespace ? ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"' : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${xmlElements(fields)}</${root}>`;
}

/** An S3 error response body: `<Error><Code>…</Code><Message>…</Message>…<RequestId>…</RequestId></Error>`. */
export function s3ErrorXml(
  code: string,
  message: string,
  requestId: string,
  extra: Record<string, unknown> = {},
): string {
  return xmlDocument('Error', {
    Code: code,
    Message: message,
    ...extra,
    RequestId: requestId,
    HostId: requestId,
  });
}
