#pragma once
// core/v1 Namespace, ConfigMap, Secret and ServiceAccount.
//
// Byte data (Secret.data, ConfigMap.binaryData) is held DECODED: each value is the raw bytes
// (in a std::string); the codec turns base64 into bytes on decode (a bad base64 value is an
// error naming the key, e.g. "data.tls.crt: invalid base64 ...") and back on encode.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/meta.h"
#include "common/api/references.h"

namespace orch::api {

struct NamespaceSpec {
  std::vector<std::string> finalizers;
  Json unknown_fields;
};

struct NamespaceStatus {
  std::string phase;    // Active, Terminating
  Json unknown_fields;  // conditions
};

struct Namespace {
  ORCH_API_KIND("", "v1", "Namespace", "namespaces", false);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  NamespaceSpec spec;
  NamespaceStatus status;
  Json unknown_fields;
};

struct ConfigMap {
  ORCH_API_KIND("", "v1", "ConfigMap", "configmaps", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  std::optional<bool> immutable;
  std::map<std::string, std::string> data;
  std::map<std::string, std::string> binaryData;  // raw bytes; base64 in JSON
  Json unknown_fields;
};

struct Secret {
  ORCH_API_KIND("", "v1", "Secret", "secrets", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  std::optional<bool> immutable;
  std::map<std::string, std::string> data;        // raw bytes; base64 in JSON
  std::map<std::string, std::string> stringData;  // write-only convenience, plain text
  std::string type;  // Opaque, kubernetes.io/tls, kubernetes.io/dockerconfigjson, ...
  Json unknown_fields;
};

struct ServiceAccount {
  ORCH_API_KIND("", "v1", "ServiceAccount", "serviceaccounts", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  std::vector<ObjectReference> secrets;
  std::vector<LocalObjectReference> imagePullSecrets;
  std::optional<bool> automountServiceAccountToken;
  Json unknown_fields;
};

ORCH_API_CODEC(NamespaceSpec);
ORCH_API_CODEC(NamespaceStatus);
ORCH_API_CODEC(Namespace);
ORCH_API_CODEC(ConfigMap);
ORCH_API_CODEC(Secret);
ORCH_API_CODEC(ServiceAccount);

}  // namespace orch::api
