// A plain HTTPS request to the ARM emulator, for what the app's ArmClient has no method for: a path
// from /subscriptions (or a full URL, e.g. an Azure-AsyncOperation), JSON in and out.
import * as https from 'node:https';

export interface ArmAnswer<J = unknown> {
  status: number;
  text: string;
  /** the parsed body; undefined when it was empty */
  json: J | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export function armRequest<J = unknown>(arm: { url: string; ca: string }, method: string, pathOrUrl: string, body?: unknown): Promise<ArmAnswer<J>> {
  const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${arm.url}${pathOrUrl}`;
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: arm.ca, headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, json: text ? (JSON.parse(text) as J) : undefined, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
