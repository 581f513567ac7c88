// Requests node's HTTP parser refuses never reach `handle`: they arrive as 'clientError' on the
// server with a bare socket. They still get the gateway's JSON error shape.
import type { Duplex } from 'node:stream';

/** For `server.on('clientError', …)`: answers in JSON and closes, or just closes. */
export function answerClientError(err: Error, socket: Duplex): void {
  const code = (err as { code?: string }).code;
  // A client that went away has nobody left to tell; a response already under way on this
  // connection (a bad request pipelined behind a good one) cannot be followed by another.
  const inProgress = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (code === 'ECONNRESET' || socket.destroyed || !socket.writable || inProgress?.headersSent) {
    socket.destroy();
    return;
  }
  socket.end(malformedAnswer(code));
}

/** The raw answer to a refused request: headers too large, bad syntax, or too slow to arrive. */
function malformedAnswer(code: string | undefined): Buffer {
  let status = '400 Bad Request';
  let message = 'the HTTP request could not be parsed; send POST with a JSON body';
  if (code === 'HPE_HEADER_OVERFLOW') {
    status = '431 Request Header Fields Too Large';
    message = 'the request headers are too large';
  } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = '408 Request Timeout';
    message = 'the request took too long to arrive';
  }
  const body = JSON.stringify({ success: false, errorCode: 'request.malformed', message });
  return Buffer.from(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
