#pragma once
// Every Kubernetes kind of orch::api, plus the codec, List, ApiStatus and WatchEvent.

#include "common/api/apps.h"
#include "common/api/codec.h"
#include "common/api/config.h"
#include "common/api/discovery.h"
#include "common/api/event.h"
#include "common/api/lease.h"
#include "common/api/list.h"
#include "common/api/node.h"
#include "common/api/object_key.h"
#include "common/api/pod.h"
#include "common/api/policy.h"
#include "common/api/rbac.h"
#include "common/api/service.h"
#include "common/api/status.h"
#include "common/api/watch_event.h"
