#pragma once
// A ProxyState as JSON, for orch-proxy's /debug/proxy-state endpoint and for tests: what the
// core handed to the backend, readable by people and scripts.
//
//   {"family":"IPv4","hostname":..,"clusterCIDRs":[..],"masqueradeAll":false,
//    "node":{"name":..,"nodePortIPs":[..],"nodePortAllLocal":true},
//    "services":[{"name":"ns/svc:port","protocol":"TCP","clusterIP":..,"port":80,
//                 "nodePort":0,..,"endpoints":[{"ip":..,"port":..,"ready":true,..}]}]}

#include <nlohmann/json.hpp>

#include "proxy/core/service_model.h"

namespace orch::proxy {

nlohmann::ordered_json stateToJson(const ProxyState& state);

}  // namespace orch::proxy
