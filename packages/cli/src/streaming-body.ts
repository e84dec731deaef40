/** What a typed-client call takes to send its body streamed (spread into the call's options). */
export interface StreamedBodyOptions {
  fetch: (request: Request) => Promise<Response>;
}

/**
 * Sends `chunks` as the body of a typed-client request, streamed: the client only serialises
 * bodies the OpenAPI document declares, and a streamed import has none. The request keeps
 * everything else the client gives it (base URL, token, query, error handling: an error answer
 * still throws `SlipwayApiError`, no answer `SlipwayConnectionError`).
 *
 * The body is pulled as the connection drains (`duplex: 'half'`, fetch's streaming upload), so
 * a few pieces are in memory whatever the size of the input. Two settings keep it so, and must
 * stay: fetch clones a request (tee-ing its body, and buffering the unread copy **in full**
 * until the answer comes) unless its redirect mode is `error` and it has no window, so it
 * could never need to send the body twice. A streamed body cannot be replayed anyway: a
 * redirect is an error here.
 */
export function streamedBody(chunks: () => AsyncIterable<Uint8Array>, contentType: string): StreamedBodyOptions {
  return {
    fetch: (request) => {
      const headers = new Headers(request.headers);
      headers.set('content-type', contentType);
      const streamed = new Request(request, {
        body: ReadableStream.from(chunks()),
        duplex: 'half',
        redirect: 'error',
        headers,
      });
      return fetch(streamed, { window: null });
    },
  };
}
