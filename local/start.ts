// `npm start` will bring up the whole local estate: Azurite, the emulated SQL Server and managed
// instances, their ARM endpoint, and a local Functions host serving this app. That host is not
// built yet, and this command says so instead of pretending.
const message = `mi-autopilot: the local estate is not runnable yet.

What exists today:
  npm test          the operation engine, the estate configuration and the emulator, tested
                    against Azurite and real TDS clients
  npm run emulator  the emulated SQL Server 2022 and managed instances on loopback
  npm run bench     operation engine throughput against Azurite

What \`npm start\` will do once the local Functions host lands: start Azurite, the emulated estate
and its ARM endpoint, serve the app's functions with real triggers on http://127.0.0.1:7071, and
print how to upload a backup and watch it restore.`;

console.error(message);
process.exitCode = 1;
