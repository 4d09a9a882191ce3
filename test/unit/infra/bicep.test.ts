// infra/ (azure.yaml, Bicep read as text: no Bicep compiler can be installed here) against the
// code: every app setting the code reads is set or listed as optional, every function Event Grid
// or the action group names exists with that trigger, every ARM action the code calls is in the
// custom roles (and nothing else), no secret literal, deterministic role assignment names, the
// Event Grid filter the code expects, keyless resources, right built-in role ids, and module and
// parameter wiring. The second half runs each check on altered copies and shows it fail.
import type { ArmOperationKind } from '../../../shared/arm/poller';
import { resultTypeOf } from '../../../shared/arm/poller';
import { BLOB_CREATED, COMMITTED_APIS } from '../../../shared/events/blobCreated';
import * as C from './checks';
import { deriveArmClientActions, settingReads } from './codeScan';

const kindResult = (kind: string): string => resultTypeOf(kind as ArmOperationKind);

const checks: Record<string, (repo: C.Repo) => string[]> = {
  'app settings': C.checkAppSettings,
  'functions named by Event Grid and the action group': C.checkFunctionTargets,
  'ARM actions in the custom roles': (repo) => C.checkArmRoles(repo, kindResult),
  'no secret literal': C.checkNoSecrets,
  'deterministic role assignment names': C.checkRoleAssignments,
  'the Event Grid filter': (repo) => C.checkBlobEventFilter(repo, [...COMMITTED_APIS], BLOB_CREATED),
  'keyless resources': C.checkKeyless,
  'built-in roles': C.checkBuiltInRoles,
  'module and parameter wiring': C.checkWiring,
};

const repo = C.readRepo();

describe('infra/ is consistent with the code', () => {
  it.each(Object.keys(checks))('%s', (name) => {
    expect(checks[name](repo)).toEqual([]);
  });

  it('reads what it checks (the checks are not vacuous)', () => {
    const { names } = C.bicepAppSettings(repo);
    expect([...names.keys()]).toEqual(expect.arrayContaining(['ESTATE_BLOB_URL', 'OPERATION_EVENTS_TOPIC_ENDPOINT', 'AZURE_CLIENT_ID', 'AzureWebJobsStorage__blobServiceUri', 'LINK_HEALTH_SCHEDULE']));
    const reads = settingReads(repo.code);
    expect(reads.names.size).toBeGreaterThan(20);
    expect(reads.dynamic.map((d) => d.expression).sort()).toEqual(['config.auth.setting', 'instance.auth.passwordSetting', 'webhookSetting']);
    expect(C.customRoles(repo).length).toBe(3);
  });

  it('the managed instance role is exactly what shared/arm/client.ts reaches', () => {
    const derived = deriveArmClientActions(repo.code, kindResult);
    expect([...derived.resourceActions].sort()).toEqual([
      'Microsoft.Sql/managedInstances/databases/delete',
      'Microsoft.Sql/managedInstances/databases/read',
      'Microsoft.Sql/managedInstances/databases/restoreDetails/read',
      'Microsoft.Sql/managedInstances/databases/write',
      'Microsoft.Sql/managedInstances/distributedAvailabilityGroups/delete',
      'Microsoft.Sql/managedInstances/distributedAvailabilityGroups/failover/action',
      'Microsoft.Sql/managedInstances/distributedAvailabilityGroups/read',
      'Microsoft.Sql/managedInstances/distributedAvailabilityGroups/setRole/action',
      'Microsoft.Sql/managedInstances/distributedAvailabilityGroups/write',
      'Microsoft.Sql/managedInstances/encryptionProtector/read',
      'Microsoft.Sql/managedInstances/read',
    ]);
    expect([...derived.polledTypes].sort()).toEqual(['Microsoft.Sql/managedInstances/databases', 'Microsoft.Sql/managedInstances/distributedAvailabilityGroups']);
    // methods no code path calls grant nothing
    expect(derived.reachable.has('startCompleteRestore')).toBe(false);
    expect(derived.reachable.has('listManagedInstances')).toBe(false);
  });
});

/** Runs one check on an altered copy and returns its problems. */
const run = (name: string, file: string, from: string | RegExp, to: string): string[] => checks[name](C.altered(repo, file, from, to));

describe('each check fails, naming what is wrong', () => {
  const FUNCTION_APP = 'infra/modules/functionApp.bicep';
  const ROLES = 'infra/modules/customRoles.bicep';

  describe('app settings', () => {
    it('a setting the code reads removed from the Bicep', () => {
      expect(run('app settings', FUNCTION_APP, /\n\s*RESTORE_POLL_MS: string\(restorePollMs\)/, '')).toEqual([
        'app setting RESTORE_POLL_MS is read by shared/restore/feature.ts but is neither set in the Bicep app settings nor listed in infra/optional-settings.json',
      ]);
    });

    it('a setting the code starts to read', () => {
      const problems = run('app settings', 'shared/restore/feature.ts', 'const raw = settings.RESTORE_UNREACHABLE_MINUTES;', 'const raw = settings.RESTORE_UNREACHABLE_MINUTES ?? settings.RESTORE_POLL_JITTER_MS;');
      expect(problems).toEqual([expect.stringContaining('app setting RESTORE_POLL_JITTER_MS is read by shared/restore/feature.ts but is neither set')]);
    });

    it('a setting read through a helper with the name as an argument', () => {
      const problems = run('app settings', 'shared/link/feature.ts', "'LINK_SWEEP_CONCURRENCY'", "'LINK_SWEEP_PARALLELISM'");
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringContaining('app setting LINK_SWEEP_PARALLELISM is read by shared/link/feature.ts but is neither set'),
          'infra/optional-settings.json lists app setting LINK_SWEEP_CONCURRENCY, which the code no longer reads',
        ]),
      );
    });

    it('ARM_ENDPOINT set in Azure', () => {
      const problems = run('app settings', FUNCTION_APP, "  AZURE_CLIENT_ID: identityClientId\n", "  AZURE_CLIENT_ID: identityClientId\n  ARM_ENDPOINT: 'https://management.azure.com'\n");
      expect(problems).toEqual([expect.stringMatching(/^app setting ARM_ENDPOINT must not be set in Azure .* but infra\/modules\/functionApp.bicep sets it$/)]);
    });

    it('a setting named at run time that nobody said how to provide', () => {
      const problems = run('app settings', 'shared/platform/retention.ts', "return wholeNumberSetting(settings, 'RETENTION_DAYS',", "void settings[String(settings.RETENTION_SETTING)];\n  return wholeNumberSetting(settings, 'RETENTION_DAYS',");
      expect(problems).toEqual(
        expect.arrayContaining([expect.stringContaining('shared/platform/retention.ts reads settings[String(settings.RETENTION_SETTING)], an app setting named at run time')]),
      );
    });

    it('no Key Vault references for the estate-named passwords', () => {
      const problems = run('app settings', FUNCTION_APP, '@Microsoft.KeyVault(SecretUri=', '');
      expect(problems).toEqual([expect.stringContaining('no app setting is a Key Vault reference')]);
    });
  });

  describe('functions named by Event Grid and the action group', () => {
    const name = 'functions named by Event Grid and the action group';

    it('the Event Grid function renamed in the code', () => {
      expect(run(name, 'functions/backupUploaded.ts', "app.eventGrid('backupUploaded'", "app.eventGrid('backupArrived'")).toEqual([
        "Event Grid subscription backupUploaded (infra/modules/backupEvents.bicep) delivers to function backupUploaded, but functions/ registers no app.eventGrid('backupUploaded', ...)",
      ]);
    });

    it('the Event Grid subscription names a function that does not exist', () => {
      expect(run(name, 'infra/modules/backupEvents.bicep', "var backupFunctionName = 'backupUploaded'", "var backupFunctionName = 'backupUpload'")).toEqual([
        "Event Grid subscription backupUploaded (infra/modules/backupEvents.bicep) delivers to function backupUpload, but functions/ registers no app.eventGrid('backupUpload', ...)",
      ]);
    });

    it('the function exists with another trigger', () => {
      const problems = run(name, 'functions/backupUploaded.ts', "app.eventGrid('backupUploaded', { handler: backupUploaded });", "app.http('backupUploaded', { route: 'backups', handler: backupUploaded as never });");
      expect(problems).toEqual([expect.stringContaining("registers no app.eventGrid('backupUploaded', ...) (it is registered with app.http, route 'backups')")]);
    });

    it('the alert function renamed in the code', () => {
      expect(run(name, 'functions/alertReceived.ts', "app.http('alertReceived'", "app.http('alertPosted'")).toEqual([
        "action group actionGroup (infra/modules/actionGroup.bicep) calls function alertReceived, but functions/ registers no app.http('alertReceived', ...)",
      ]);
    });

    it("the alert function's route changed", () => {
      expect(run(name, 'functions/alertReceived.ts', "route: 'alerts'", "route: 'monitor/alerts'")).toEqual([
        "action group actionGroup (infra/modules/actionGroup.bicep) posts to /api/alerts, but function alertReceived's route is 'monitor/alerts'",
      ]);
    });

    it('the action group without the common alert schema', () => {
      expect(run(name, 'infra/modules/actionGroup.bicep', 'useCommonAlertSchema: true', 'useCommonAlertSchema: false')).toEqual([
        'action group actionGroup (infra/modules/actionGroup.bicep) must use the common alert schema (useCommonAlertSchema: true): alertReceived parses only that',
      ]);
    });
  });

  describe('ARM actions in the custom roles', () => {
    const name = 'ARM actions in the custom roles';

    it('an action the code calls missing from the role', () => {
      expect(run(name, ROLES, /\n\s*'Microsoft\.Sql\/managedInstances\/distributedAvailabilityGroups\/setRole\/action'/, '')).toEqual([
        'custom role managedInstanceRole (infra/modules/customRoles.bicep) lacks Microsoft.Sql/managedInstances/distributedAvailabilityGroups/setRole/action, which the code calls (ArmClient.startSetRole: POST /subscriptions/{}/resourceGroups/{}/providers/Microsoft.Sql/managedInstances/{}/distributedAvailabilityGroups/{}/setRole)',
      ]);
    });

    it('the code starts calling a client method that needs a new action', () => {
      const problems = run(name, 'shared/restore/logReplayService.ts', 'return client.startDeleteManagedDatabase(resourceGroup, name, database);', "return client.startDeleteManagedDatabase(resourceGroup, name, database).finally(() => client.startCompleteRestore(resourceGroup, name, database, 'last.bak'));");
      expect(problems).toEqual([expect.stringContaining('lacks Microsoft.Sql/managedInstances/databases/completeRestore/action, which the code calls (ArmClient.startCompleteRestore: POST')]);
    });

    it('an action no code path calls', () => {
      expect(run(name, ROLES, "'Microsoft.Sql/managedInstances/read'\n", "'Microsoft.Sql/managedInstances/read'\n  'Microsoft.Sql/managedInstances/write'\n")).toEqual([
        'custom role managedInstanceRole (infra/modules/customRoles.bicep) grants Microsoft.Sql/managedInstances/write, which no code path calls (least privilege: remove it)',
      ]);
    });

    it('a wildcard instead of the list', () => {
      expect(run(name, ROLES, "'Microsoft.Sql/managedInstances/read'\n", "'Microsoft.Sql/managedInstances/*'\n  'Microsoft.Sql/managedInstances/read'\n")).toEqual([
        'custom role managedInstanceRole (infra/modules/customRoles.bicep) grants the wildcard Microsoft.Sql/managedInstances/*: list the actions the code calls instead',
      ]);
    });

    it('operation status the app polls but may not read', () => {
      const problems = run(name, ROLES, "'Microsoft.Sql/locations/*/read'", "'Microsoft.Sql/locations/distributedAvailabilityGroupsAzureAsyncOperation/read'\n  'Microsoft.Sql/locations/distributedAvailabilityGroupsOperationResults/read'");
      expect(problems).toEqual([
        'custom role operationStatusRole (infra/modules/customRoles.bicep) lacks Microsoft.Sql/locations/managedDatabaseAzureAsyncOperation/read: the app polls that operation status',
        'custom role operationStatusRole (infra/modules/customRoles.bicep) lacks Microsoft.Sql/locations/managedDatabaseOperationResults/read: the app polls that operation status',
        'custom role operationStatusRole (infra/modules/customRoles.bicep) lacks Microsoft.Sql/locations/managedDatabaseRestoreAzureAsyncOperation/read: the app polls that operation status',
        'custom role operationStatusRole (infra/modules/customRoles.bicep) lacks Microsoft.Sql/locations/managedDatabaseRestoreOperationResults/read: the app polls that operation status',
      ]);
    });

    it('the CNAME role without the write the redirect makes', () => {
      expect(run(name, ROLES, /\n\s*'Microsoft\.Network\/privateDnsZones\/CNAME\/write'/, '')).toEqual([
        'custom role cnameRole (infra/modules/customRoles.bicep) lacks Microsoft.Network/privateDnsZones/CNAME/write, which shared/redirect/privateDnsCname.ts calls',
      ]);
    });
  });

  describe('no secret literal', () => {
    const name = 'no secret literal';

    it('a connection string with an account key', () => {
      const key = `${'Ab3dE'.repeat(17)}==`;
      const problems = run(name, FUNCTION_APP, "  AZURE_CLIENT_ID: identityClientId\n", `  AZURE_CLIENT_ID: identityClientId\n  AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${key};EndpointSuffix=core.windows.net'\n`);
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^infra\/modules\/functionApp\.bicep:\d+: a storage account key \(AccountKey=\)/),
          expect.stringMatching(/^infra\/modules\/functionApp\.bicep:\d+: a storage connection string \(DefaultEndpointsProtocol=\)/),
          expect.stringMatching(/^infra\/modules\/functionApp\.bicep:\d+: a key-like base64 literal/),
        ]),
      );
      // and the keyless check names the setting
      expect(C.checkKeyless(C.altered(repo, FUNCTION_APP, "  AZURE_CLIENT_ID: identityClientId\n", "  AZURE_CLIENT_ID: identityClientId\n  AzureWebJobsStorage: 'UseDevelopmentStorage=true'\n"))).toEqual([
        'infra/modules/functionApp.bicep sets AzureWebJobsStorage (a connection string, with a key): use the identity-based AzureWebJobsStorage__* settings',
      ]);
    });

    it('a SAS token', () => {
      const problems = run(name, 'infra/modules/backupsStorage.bicep', 'output blobEndpoint', "output sasUrl string = 'https://x.blob.core.windows.net/backups?sv=2022-11-02&sr=c&sp=rl&sig=AbCdEf0123456789%2B'\noutput blobEndpoint");
      expect(problems).toEqual([expect.stringMatching(/^infra\/modules\/backupsStorage\.bicep:\d+: a SAS signature \(sig=\)/)]);
    });

    it('a password literal', () => {
      const problems = run(name, 'infra/modules/keyVault.bicep', 'output name string', "var sqlPassword = 'Summer2026!Prod'\noutput name string");
      expect(problems).toEqual([expect.stringMatching(/^infra\/modules\/keyVault\.bicep:\d+: a literal that looks like a password or secret: sqlPassword = 'Summer/)]);
    });

    it('storage account keys fetched with listKeys', () => {
      const problems = run(name, FUNCTION_APP, 'output url string', "output leaked string = stateAccount.listKeys().keys[0].value\noutput url string");
      expect(problems).toEqual([expect.stringMatching(/^infra\/modules\/functionApp\.bicep:\d+: listKeys\(\): keys of something other than the function app's host/)]);
    });

    it('a function key written into a URL', () => {
      const problems = run(name, 'infra/modules/actionGroup.bicep', /\?code=\$\{listKeys\([^\n]*\}'/, "?code=abcDEF0123456789xyz'");
      expect(problems).toEqual([expect.stringMatching(/^infra\/modules\/actionGroup\.bicep:\d+: a function key in a URL \(code=\)/)]);
    });
  });

  describe('deterministic role assignment names', () => {
    const name = 'deterministic role assignment names';

    it('a fixed name', () => {
      expect(run(name, 'infra/modules/stateStorage.bicep', 'name: guid(account.id, appPrincipalId, roles.storageQueueDataContributor)', "name: 'queue-contributor'")).toEqual([
        "role assignment queueContributor (infra/modules/stateStorage.bicep) is named 'queue-contributor', not guid(scope, principal, role): a re-deployment would not find it again",
      ]);
    });

    it('a name that changes at every deployment', () => {
      const problems = run(name, 'infra/modules/outcomeTopic.bicep', 'name: guid(topic.id, appPrincipalId, roles.eventGridDataSender)', 'name: guid(topic.id, appPrincipalId, roles.eventGridDataSender, utcNow())');
      expect(problems).toEqual(['role assignment dataSender (infra/modules/outcomeTopic.bicep) is named guid(topic.id, appPrincipalId, roles.eventGridDataSender, utcNow()), which changes at every deployment']);
    });

    it('a name without the principal', () => {
      const problems = run(name, 'infra/modules/keyVault.bicep', 'name: guid(vault.id, appPrincipalId, roles.keyVaultSecretsUser)', "name: guid(vault.id, 'app', roles.keyVaultSecretsUser)");
      expect(problems).toEqual(["role assignment secretsUser (infra/modules/keyVault.bicep) is named guid(vault.id, 'app', roles.keyVaultSecretsUser), which does not include its principal (appPrincipalId)"]);
    });
  });

  describe('the Event Grid filter', () => {
    const name = 'the Event Grid filter';

    it('a committed API left out of the filter', () => {
      expect(run(name, 'infra/modules/backupEvents.bicep', /\n\s*'FlushWithClose'/, '')).toEqual([
        'Event Grid subscription backupUploaded (infra/modules/backupEvents.bicep): the data.api filter leaves out FlushWithClose, which shared/events/blobCreated.ts accepts (COMMITTED_APIS)',
      ]);
    });

    it('the code accepting an API the filter drops', () => {
      expect(C.checkBlobEventFilter(repo, [...COMMITTED_APIS, 'PutBlobFromUrl'], BLOB_CREATED)).toEqual([
        'Event Grid subscription backupUploaded (infra/modules/backupEvents.bicep): the data.api filter leaves out PutBlobFromUrl, which shared/events/blobCreated.ts accepts (COMMITTED_APIS)',
      ]);
    });

    it('no dead-lettering', () => {
      const problems = run(name, 'infra/modules/backupEvents.bicep', 'deadLetterWithResourceIdentity:', 'deadLetterOff:');
      expect(problems).toEqual(['Event Grid subscription backupUploaded (infra/modules/backupEvents.bicep) has no dead-letter destination']);
    });
  });

  describe('keyless resources, built-in roles, wiring', () => {
    it('a storage account that accepts keys', () => {
      expect(C.checkKeyless(C.altered(repo, 'infra/modules/backupsStorage.bicep', 'allowSharedKeyAccess: false', 'allowSharedKeyAccess: true'))).toEqual([
        'Microsoft.Storage/storageAccounts account (infra/modules/backupsStorage.bicep) must set allowSharedKeyAccess: false (Entra ID only, no account keys)',
      ]);
    });

    it('a mistyped built-in role id', () => {
      expect(C.checkBuiltInRoles(C.altered(repo, 'infra/builtin-roles.json', 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a', 'db58b8e5-c6ad-4a2a-8342-4190687cbf4b'))).toEqual([
        'infra/builtin-roles.json: storageBlobDelegator is db58b8e5-c6ad-4a2a-8342-4190687cbf4b, but that role\'s id is db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
      ]);
    });

    it('a broad role', () => {
      const problems = C.checkBuiltInRoles(C.altered(repo, 'infra/modules/keyVault.bicep', 'roles.keyVaultSecretsUser)\n', "roles.keyVaultSecretsUser)\n// b24988ac-6180-42a0-ab88-20f7382dd24c\n"));
      expect(problems).toEqual(['infra/modules/keyVault.bicep uses the broad role Contributor (b24988ac-6180-42a0-ab88-20f7382dd24c)']);
    });

    it('a module parameter that does not exist, and one not passed', () => {
      const problems = C.checkWiring(C.altered(repo, 'infra/main.bicep', 'estateBlobName: estateBlobName', 'estateBlob: estateBlobName'));
      expect(problems).toEqual([
        'infra/main.bicep: module functionApp passes estateBlob, which infra/modules/functionApp.bicep does not declare',
        'infra/main.bicep: module functionApp does not pass estateBlobName, which infra/modules/functionApp.bicep requires',
      ]);
    });

    it('the azd service and the function app tag disagree', () => {
      expect(C.checkWiring(C.altered(repo, 'infra/modules/functionApp.bicep', "'azd-service-name': 'api'", "'azd-service-name': 'functions'"))).toEqual([
        "azure.yaml deploys service api to a function app, but no Bicep resource is tagged 'azd-service-name': 'api'",
      ]);
    });

    it('the hooks flip another flag than the one wireFunctions reads', () => {
      expect(C.checkWiring(C.altered(repo, 'infra/main.parameters.json', '${MI_AUTOPILOT_WIRE_FUNCTIONS=false}', '${WIRE_FUNCTIONS=false}'))).toEqual([
        'azure.yaml does not set WIRE_FUNCTIONS, the environment variable main.parameters.json feeds to wireFunctions',
        'infra/hooks/postdeploy.sh does not set WIRE_FUNCTIONS, the environment variable main.parameters.json feeds to wireFunctions',
        'infra/hooks/postdeploy.ps1 does not set WIRE_FUNCTIONS, the environment variable main.parameters.json feeds to wireFunctions',
      ]);
    });

    it('a module output that does not exist', () => {
      expect(C.checkWiring(C.altered(repo, 'infra/main.bicep', 'identity.outputs.clientId', 'identity.outputs.appId'))).toEqual(
        expect.arrayContaining(['infra/main.bicep: identity.outputs.appId is not an output of infra/modules/identity.bicep']),
      );
    });
  });
});
