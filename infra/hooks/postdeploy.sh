#!/bin/sh
# azd postdeploy: the functions exist now, so the Event Grid subscription(s) to backupUploaded and
# the action group that calls alertReceived can be created. Provisions once more with
# MI_AUTOPILOT_WIRE_FUNCTIONS=true; later `azd up` runs provision with it already set and this
# hook does nothing. A function app that is still indexing its functions is retried a few times.
set -eu

if [ "${MI_AUTOPILOT_WIRE_FUNCTIONS:-false}" = "true" ]; then
  echo "mi-autopilot: Event Grid and the action group are wired already."
  exit 0
fi

echo "mi-autopilot: wiring Event Grid (backupUploaded) and the action group (alertReceived) to the deployed functions..."
azd env set MI_AUTOPILOT_WIRE_FUNCTIONS true
attempt=1
while :; do
  if azd provision --no-prompt; then
    echo "mi-autopilot: wired."
    exit 0
  fi
  if [ "$attempt" -ge 3 ]; then
    azd env set MI_AUTOPILOT_WIRE_FUNCTIONS false
    echo "mi-autopilot: wiring failed $attempt times; the app is deployed but receives no Event Grid events or alerts yet." >&2
    echo "  Check that the functions are listed (az functionapp function list), then run:" >&2
    echo "  azd env set MI_AUTOPILOT_WIRE_FUNCTIONS true && azd provision" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  echo "mi-autopilot: the functions may still be indexing; trying again in 60 s (attempt $attempt of 3)..."
  sleep 60
done
