// The checks ARM makes before it accepts an LRS start: the folder and the SAS. The database name
// (409 when it exists) is the backend's to check, since it knows the instance.
import { ArmHttpError } from '../arm/errors';
import { hasReservedWord, parseLocation, type LrsLocation } from './location';
import { isReadListOnly } from './sas';
import type { LrsStart } from './types';

/** the folder to read from; throws ArmHttpError (400) when ARM would refuse the start */
export function checkLrsStart(start: LrsStart): LrsLocation {
  const location = parseLocation(start.storageContainerUri.split('?')[0]);
  if (!location) throw new ArmHttpError(400, 'InvalidParameterValue', 'storageContainerUri must be the URL of a container, or of a folder in a container.');
  if (start.storageContainerIdentity === 'SharedAccessSignature' && !isReadListOnly(start.storageContainerSasToken ?? '')) {
    // UNCONFIRMED: Azure's code for a SAS with the wrong permissions is not documented
    throw new ArmHttpError(
      400,
      'InvalidParameterValue',
      'The shared access signature in storageContainerSasToken must grant exactly Read and List permissions (sp=rl) on the container. Log Replay Service fails with Write, Delete or any other permission.',
    );
  }
  if (hasReservedWord(location.path)) {
    throw new ArmHttpError(
      400,
      'InvalidParameterValue',
      `The folder path '${location.path}' in storageContainerUri contains the reserved word 'backup' or 'backups'. Use a container and folder whose names do not contain these words.`,
    );
  }
  return location;
}
