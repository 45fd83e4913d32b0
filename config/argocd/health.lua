-- Argo CD health check for health.workloadhealth.io/WorkloadHealth.
--
-- The controller already writes its verdict in Argo CD's words
-- (status.health.status is Healthy, Progressing, Degraded, Suspended or
-- Unknown), so this script passes it through, with the human line of
-- status.health.message and the first hint's code.
--
-- Argo CD runs health scripts with only the base, table, package and a safe
-- os library: no string library, so only the `..` operator builds text.
local hs = {}

local known = {
  Healthy = true,
  Progressing = true,
  Degraded = true,
  Suspended = true,
  Unknown = true,
}

-- No status yet: the controller has not assessed the target.
if obj.status == nil or obj.status.health == nil or obj.status.health.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the workloadhealth controller to assess the target"
  return hs
end

-- A status computed for an older generation of this object is stale.
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and observed ~= nil and observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the workloadhealth controller to observe generation " .. generation
  return hs
end

local health = obj.status.health
if known[health.status] then
  hs.status = health.status
else
  -- A word this script does not know (a newer controller): Argo CD would
  -- turn it into Unknown anyway; say so with the word itself.
  hs.status = "Unknown"
end

local message = health.message
if message == nil or message == "" then
  message = obj.status.reason
end
if message == nil or message == "" then
  message = health.status
end
if hs.status == "Unknown" and not known[health.status] then
  message = "Unrecognised health " .. health.status .. ": " .. message
end

local hints = obj.status.hints
if hints ~= nil and hints[1] ~= nil and hints[1].code ~= nil then
  message = message .. "; hint " .. hints[1].code
end

hs.message = message
return hs
