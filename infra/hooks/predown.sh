#!/bin/sh
# azd predown hook: removes what `azd down` cannot, because it lives outside PullGuard's resource group: the role
# assignments on each watched subscription, the event subscriptions on reused system topics and the
# rg-pullguard-events-<env> resource groups in the other watched subscriptions. `azd down --purge` then deletes the
# resource group (identity, app, storage, vault, monitoring, topic, alerts) and purges the soft-deleted vault.
set -eu

fail() {
  echo "predown: $*" >&2
  exit 1
}

command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is required"
az account show >/dev/null 2>&1 || fail "the Azure CLI is not signed in: run 'az login'"

principal="${PULLGUARD_IDENTITY_PRINCIPAL_ID:-}"
subscriptions="$(printf '%s' "${PULLGUARD_WATCHED_SUBSCRIPTIONS:-}" | tr ',' ' ')"
topics="$(printf '%s' "${PULLGUARD_SYSTEM_TOPIC_IDS:-[]}" | tr -d '[]" ' | tr ',' ' ')"
events_group="${PULLGUARD_EVENTS_RESOURCE_GROUP:-}"
# The name events.bicep gives it: the environment name with _ . ( ) turned into '-' (Event Grid names take only
# a-z, A-Z, 0-9 and '-'), after "pullguard-", at most 64 characters.
event_subscription="$(printf 'pullguard-%s' "${AZURE_ENV_NAME:-}" | tr '_.()' '----' | cut -c1-64)"

# The event subscription on every topic (on a reused topic it is the only thing of PullGuard's there).
for topic in $topics; do
  echo "predown: deleting event subscription $event_subscription of $topic"
  az resource delete --ids "$topic/eventSubscriptions/$event_subscription" --output none 2>/dev/null || true
done

for subscription in $subscriptions; do
  if [ -n "$principal" ]; then
    ids="$(az role assignment list --subscription "$subscription" --scope "/subscriptions/$subscription" \
      --query "[?principalId=='$principal'].id" --output tsv)"
    if [ -n "$ids" ]; then
      echo "predown: deleting PullGuard's role assignments on subscription $subscription"
      # shellcheck disable=SC2086 # one ID per word
      az role assignment delete --ids $ids --output none
    fi
  fi
  if [ "$subscription" != "${AZURE_SUBSCRIPTION_ID:-}" ] && [ -n "$events_group" ]; then
    if [ "$(az group exists --subscription "$subscription" --name "$events_group")" = "true" ]; then
      echo "predown: deleting resource group $events_group in subscription $subscription"
      az group delete --subscription "$subscription" --name "$events_group" --yes --no-wait
    fi
  fi
done
