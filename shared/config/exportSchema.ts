// Writes estate.schema.json (JSON Schema for editors) from the zod schema: `npm run schema`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { estateSchema } from './schema';

export function estateJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(estateSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://github.com/mi-autopilot/mi-autopilot/estate.schema.json',
    title: 'mi-autopilot estate',
  };
}

if (require.main === module) {
  const target = path.resolve(process.argv[2] ?? 'estate.schema.json');
  writeFileSync(target, `${JSON.stringify(estateJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${target}`);
}
