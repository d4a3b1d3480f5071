// The Pod kind (create, update, status) and the Binding subresource body.

#include <cctype>
#include <set>

#include "controlplane/apiserver/validation/rules_internal.h"

namespace orch::apiserver {

namespace {

const char* const kPodUpdateMsg =
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
    "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set "
    "to 1 if it was previously negative)";

// The top-level PodSpec fields whose JSON differs, laid out like the cmp.Diff upstream
// appends (which prints Go structs; this prints the JSON of each changed field).
std::string specDiff(const Json& o, const Json& n) {
  std::set<std::string> all;
  for (const Json* j : {&o, &n}) {
    if (!j->is_object()) continue;
    for (auto it = j->begin(); it != j->end(); ++it) all.insert(it.key());
  }
  std::string out = "  core.PodSpec{\n";
  for (const auto& k : all) {
    Json a = o.contains(k) ? o[k] : Json(), b = n.contains(k) ? n[k] : Json();
    if (a == b) continue;
    out += "- \t" + k + ": " + a.dump() + ",\n";
    out += "+ \t" + k + ": " + b.dump() + ",\n";
  }
  return out + "  }\n";
}

class PodRules final : public TypedRules<api::Pod> {
 protected:
  void defaults(api::Pod& p) const override { defaultPod(p); }

  FieldErrors create(const api::Pod& p) const override {
    MetaOptions opts;
    FieldErrors out = validateMeta(p.metadata, opts);
    append(out, validatePodSpec(p.spec, "spec"));
    for (const auto* list : {&p.spec.containers, &p.spec.initContainers}) {
      std::string base = list == &p.spec.containers ? "spec.containers" : "spec.initContainers";
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string& img = (*list)[i].image;
        if (!img.empty() && (std::isspace(static_cast<unsigned char>(img.front())) ||
                             std::isspace(static_cast<unsigned char>(img.back())))) {
          out.push_back(fe::invalidStr(child(index(base, i), "image"), img,
                                       "must not have leading or trailing whitespace"));
        }
      }
    }
    return out;
  }

  FieldErrors update(const api::Pod& n, const api::Pod& o) const override {
    FieldErrors out;
    const auto& ns = n.spec;
    const auto& os = o.spec;
    if (os.activeDeadlineSeconds) {
      if (!ns.activeDeadlineSeconds) {
        out.push_back(fe::invalid("spec.activeDeadlineSeconds", "null",
                                  "must not update from a positive integer to nil value"));
      } else if (*ns.activeDeadlineSeconds > *os.activeDeadlineSeconds) {
        out.push_back(fe::invalidInt("spec.activeDeadlineSeconds", *ns.activeDeadlineSeconds,
                                     "must be less than or equal to previous value"));
      }
    }
    // Mask the mutable fields with the old values, then the rest must be equal.
    api::PodSpec masked = ns;
    if (masked.containers.size() == os.containers.size()) {
      for (size_t i = 0; i < masked.containers.size(); ++i) {
        masked.containers[i].image = os.containers[i].image;
      }
    }
    if (masked.initContainers.size() == os.initContainers.size()) {
      for (size_t i = 0; i < masked.initContainers.size(); ++i) {
        masked.initContainers[i].image = os.initContainers[i].image;
      }
    }
    masked.activeDeadlineSeconds = os.activeDeadlineSeconds;
    if (os.terminationGracePeriodSeconds && *os.terminationGracePeriodSeconds < 0 &&
        ns.terminationGracePeriodSeconds && *ns.terminationGracePeriodSeconds == 1) {
      masked.terminationGracePeriodSeconds = os.terminationGracePeriodSeconds;
    }
    // Tolerations: every old one must still be there; additions are allowed.
    bool kept = true;
    for (const auto& ot : os.tolerations) {
      bool found = false;
      for (const auto& nt : ns.tolerations) {
        found = found || api::encode(nt) == api::encode(ot);
      }
      kept = kept && found;
    }
    if (kept) masked.tolerations = os.tolerations;
    Json mj = api::encode(masked), oj = api::encode(os);
    if (mj != oj) {
      out.push_back(fe::forbidden("spec", std::string(kPodUpdateMsg) + "\n" + specDiff(oj, mj)));
    }
    return out;
  }

  FieldErrors status(const api::Pod& n, const api::Pod& o) const override {
    FieldErrors out;
    static const std::vector<std::string> kPhases = {"Pending", "Running", "Succeeded", "Failed",
                                                     "Unknown"};
    const auto& st = n.status;
    if (!st.phase.empty()) {
      bool ok = false;
      for (const auto& p : kPhases) ok = ok || p == st.phase;
      if (!ok) out.push_back(fe::notSupported("status.phase", st.phase, kPhases));
    }
    for (size_t i = 0; i < st.conditions.size(); ++i) {
      const auto& c = st.conditions[i];
      std::string cp = index("status.conditions", i);
      if (c.type.empty()) {
        out.push_back(fe::required(child(cp, "type")));
      } else if (c.type != "PodScheduled" && c.type != "Ready" && c.type != "Initialized") {
        // Upstream reports these at metadata.conditions (sic).
        append(out, validateQualifiedName(c.type, child(index("metadata.conditions", i), "Type")));
      }
      append(out, validateConditionStatus(c.status, child(cp, "status")));
    }
    if (n.spec.nodeName != o.spec.nodeName) {
      out.push_back(fe::forbidden("status.nodeName", "may not be changed directly"));
    }
    if (!st.nominatedNodeName.empty() && st.nominatedNodeName != o.status.nominatedNodeName) {
      append(out, validateDns1123Subdomain(st.nominatedNodeName, "status.nominatedNodeName"));
    }
    for (const auto& [list, name] :
         {std::pair{&st.podIPs, "status.podIPs"}, std::pair{&st.hostIPs, "status.hostIPs"}}) {
      for (size_t i = 0; i < list->size(); ++i) {
        if (!names::isIP((*list)[i].ip)) {
          out.push_back(fe::invalidStr(index(name, i), (*list)[i].ip, names::kIPMsg));
        }
      }
      if (list->size() > 2) {
        out.push_back(fe::invalid(name, "", "may specify no more than one IP for each IP family"));
      }
    }
    return out;
  }
};

// Binding is only ever created; the rules work on its JSON (no struct in common/api).
class BindingRules final : public KindRules {
 public:
  Status applyDefaults(Json& obj) const override {
    if (!obj.is_object())
      return Status::invalid("expected object, got " + std::string(api::jsonTypeName(obj)));
    return Status::ok();
  }
  FieldErrors validateCreate(const Json& obj) const override {
    FieldErrors out;
    std::string kind, name;
    if (obj.is_object() && obj.contains("target") && obj["target"].is_object()) {
      const Json& t = obj["target"];
      if (t.contains("kind") && t["kind"].is_string()) kind = t["kind"].get<std::string>();
      if (t.contains("name") && t["name"].is_string()) name = t["name"].get<std::string>();
    }
    if (!kind.empty() && kind != "Node") {
      out.push_back(fe::notSupported("target.kind", kind, {"Node", "<empty>"}));
    }
    if (name.empty()) out.push_back(fe::required("target.name"));
    return out;
  }
  FieldErrors validateUpdate(const Json& obj, const Json&) const override {
    return validateCreate(obj);
  }
  FieldErrors validateStatusUpdate(const Json&, const Json&) const override { return {}; }
};

}  // namespace

const KindRules* podRules() {
  static const PodRules r;
  return &r;
}

const KindRules* bindingRules() {
  static const BindingRules r;
  return &r;
}

}  // namespace orch::apiserver
