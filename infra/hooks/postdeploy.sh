#!/bin/sh
# azd postdeploy hook: the second deployment step. It deploys infra/events.bicep, which connects the signals to the
# functions now that the code runs: the Event Grid subscription of each watched subscription's ARM events to
# onResourceEvent, and the pull-failure alert rules with their action group calling onPullFailureAlert.
# azd runs it after `azd deploy` (so after `azd up` too) with the environment's values (main.bicep's outputs) set.
# Run it by hand the same way: `azd env get-values` shows what it reads. Needs the Azure CLI, signed in
# (`az login`) as someone who may deploy to the watched subscriptions. Last, it runs `pullguard doctor` and prints
# its report (it never fails the deploy: see the end of this file).
set -eu

fail() {
  echo "postdeploy: $*" >&2
  exit 1
}

for name in AZURE_ENV_NAME AZURE_LOCATION AZURE_SUBSCRIPTION_ID AZURE_RESOURCE_GROUP SERVICE_API_NAME PULLGUARD_FUNCTION_APP_ID \
  PULLGUARD_SYSTEM_TOPIC_IDS PULLGUARD_IDENTITY_RESOURCE_ID \
  PULLGUARD_DEADLETTER_STORAGE_ID PULLGUARD_DEADLETTER_CONTAINER; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || fail "$name is not set: run 'azd provision' first (it is an output of infra/main.bicep)"
done

command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is required: https://learn.microsoft.com/cli/azure/install-azure-cli"
az account show >/dev/null 2>&1 || fail "the Azure CLI is not signed in: run 'az login' (azd and az sign in separately)"

here="$(cd "$(dirname "$0")" && pwd)"
template="$here/../events.bicep"
workspaces="${PULLGUARD_ALERT_WORKSPACE_IDS:-[]}"
[ -n "$workspaces" ] || workspaces="[]"

# A parameters file keeps the two arrays (azd stores array outputs as JSON) exactly as they are.
params="$(mktemp)"
trap 'rm -f "$params"' EXIT
cat >"$params" <<JSON
{
  "\$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "environmentName": { "value": "$AZURE_ENV_NAME" },
    "resourceGroupName": { "value": "$AZURE_RESOURCE_GROUP" },
    "functionAppName": { "value": "$SERVICE_API_NAME" },
    "systemTopicIds": { "value": $PULLGUARD_SYSTEM_TOPIC_IDS },
    "deadLetterStorageAccountId": { "value": "$PULLGUARD_DEADLETTER_STORAGE_ID" },
    "deadLetterContainerName": { "value": "$PULLGUARD_DEADLETTER_CONTAINER" },
    "identityResourceId": { "value": "$PULLGUARD_IDENTITY_RESOURCE_ID" },
    "alertWorkspaceIds": { "value": $workspaces }
  }
}
JSON

deployment="$(printf 'pullguard-events-%s' "$AZURE_ENV_NAME" | cut -c1-64)"

# Right after a deployment the host may not have indexed the functions yet, and Event Grid answers "Destination
# endpoint not found": try again a few times before giving up.
attempt=1
while :; do
  echo "postdeploy: deploying infra/events.bicep as $deployment (attempt $attempt)"
  if az deployment sub create \
    --subscription "$AZURE_SUBSCRIPTION_ID" \
    --name "$deployment" \
    --location "$AZURE_LOCATION" \
    --template-file "$template" \
    --parameters "@$params" \
    --output none; then
    echo "postdeploy: events wired: ARM events -> onResourceEvent, pull-failure alerts -> onPullFailureAlert"
    break
  fi
  [ "$attempt" -lt 5 ] || fail "events.bicep did not deploy after $attempt attempts (see the error above)"
  attempt=$((attempt + 1))
  sleep 30
done

# Prove the wiring: `pullguard doctor` reads the deployment back (roles and the ABAC condition, the Event Grid
# subscription and its filter, the alert rules and action group, settings, access to each watched subscription) and
# prints each problem with the command that fixes it. It does not fail the deploy: the app is deployed and running,
# and some problems are for someone else to fix (a reused system topic, a role only an Owner may grant). Exit 2 (a
# problem) or 1 (could not run) is reported here; run the same command again after fixing (docs/deploy.md).
set +e
node "$here/../../bin/pullguard.js" doctor --function-app "$PULLGUARD_FUNCTION_APP_ID" --subscription "$AZURE_SUBSCRIPTION_ID"
status=$?
set -e
case "$status" in
  0) echo "postdeploy: pullguard doctor: all well" ;;
  2) echo "postdeploy: pullguard doctor found problems (above, each with its fix); the deployment itself succeeded" >&2 ;;
  *) echo "postdeploy: pullguard doctor could not run (exit $status, reason above); run it by hand: npx pullguard doctor --function-app $PULLGUARD_FUNCTION_APP_ID" >&2 ;;
esac
exit 0
