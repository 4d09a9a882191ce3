# azd postdeploy (Windows): see postdeploy.sh. Provisions once more with
# MI_AUTOPILOT_WIRE_FUNCTIONS=true so that the Event Grid subscription(s) to backupUploaded and the
# action group that calls alertReceived are created against the deployed functions.
$ErrorActionPreference = 'Stop'

if ($env:MI_AUTOPILOT_WIRE_FUNCTIONS -eq 'true') {
  Write-Host 'mi-autopilot: Event Grid and the action group are wired already.'
  exit 0
}

Write-Host 'mi-autopilot: wiring Event Grid (backupUploaded) and the action group (alertReceived) to the deployed functions...'
azd env set MI_AUTOPILOT_WIRE_FUNCTIONS true
for ($attempt = 1; $attempt -le 3; $attempt++) {
  azd provision --no-prompt
  if ($LASTEXITCODE -eq 0) {
    Write-Host 'mi-autopilot: wired.'
    exit 0
  }
  if ($attempt -lt 3) {
    Write-Host "mi-autopilot: the functions may still be indexing; trying again in 60 s (attempt $($attempt + 1) of 3)..."
    Start-Sleep -Seconds 60
  }
}
azd env set MI_AUTOPILOT_WIRE_FUNCTIONS false
Write-Error 'mi-autopilot: wiring failed 3 times; the app is deployed but receives no Event Grid events or alerts yet. Check that the functions are listed, then run: azd env set MI_AUTOPILOT_WIRE_FUNCTIONS true; azd provision'
exit 1
