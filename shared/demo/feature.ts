// The demo feature: the harmless playbook that proves the engine in a fresh deployment.
import type { Platform } from '../platform';
import type { Feature } from '../platform/feature';
import { demoPlaybook } from './playbook';

export async function demoFeature(platform: Platform): Promise<Feature> {
  const markers = await platform.table('demomarkers');
  return {
    name: 'demo',
    playbooks: [demoPlaybook(markers)],
    async forget(op) {
      await markers.deleteEntity('marker', op.id).catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
    },
  };
}
