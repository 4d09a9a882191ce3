// Where an LRS reads from: the container and the flat folder of storageContainerUri. Azurite (and
// any IP or localhost endpoint) uses path-style URLs whose first segment is the account; Azure's
// virtual-hosted URLs carry the account in the host name.
import { isIP } from 'node:net';

export interface LrsLocation {
  /** the container's URL, without query */
  containerUrl: string;
  /** the folder inside the container ('' = the container's root), without slashes at either end */
  folder: string;
  /** the folder's URL, without query: what messages name */
  folderUrl: string;
  /** container and folder, as the reserved-word rule reads them */
  path: string;
}

/** undefined when the URI names no container */
export function parseLocation(uri: string): LrsLocation | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  const segments = url.pathname.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
  const pathStyle = isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0 || url.hostname.toLowerCase() === 'localhost';
  const accountSegments = pathStyle ? 1 : 0;
  const container = segments[accountSegments];
  if (!container) return undefined;
  const folder = segments.slice(accountSegments + 1).join('/');
  const containerUrl = `${url.origin}/${segments.slice(0, accountSegments + 1).map(encodeURIComponent).join('/')}`;
  const folderUrl = folder ? `${containerUrl}/${folder.split('/').map(encodeURIComponent).join('/')}` : containerUrl;
  return { containerUrl, folder, folderUrl, path: [container, ...(folder ? [folder] : [])].join('/') };
}

/** `backup` or `backups` as a whole word (delimited by the ends or a non-letter): LRS reserves them */
export function hasReservedWord(path: string): boolean {
  return /(^|[^a-z])backups?([^a-z]|$)/i.test(path);
}
