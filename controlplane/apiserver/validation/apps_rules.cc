// apps/v1 Deployment, ReplicaSet, DaemonSet (SetDefaults_* of apps/v1, ValidateDeployment,
// ValidateReplicaSet, ValidateDaemonSet and their update/status rules; the selector is
// immutable in apps/v1) and the autoscaling/v1 Scale subresource body.

#include <cctype>
#include <charconv>

#include "controlplane/apiserver/validation/rules_internal.h"

namespace orch::apiserver {

namespace {

// ValidatePodTemplateSpecForReplicaSet: labels match the selector, restartPolicy Always, no
// activeDeadlineSeconds.
FieldErrors validateTemplateFor(const std::optional<api::LabelSelector>& selector,
                                const api::PodTemplateSpec& t, const char* kind) {
  FieldErrors out;
  const std::string path = "spec.template";
  auto sel = api::toSelector(selector);
  if (sel.ok() && !sel->empty() && !sel->matches(t.metadata.labels)) {
    out.push_back(fe::invalid(child(child(path, "metadata"), "labels"),
                              fe::quoteMap(t.metadata.labels),
                              "`selector` does not match template `labels`"));
  }
  append(out, validatePodTemplateSpec(t, path));
  if (t.spec.restartPolicy != "Always") {
    out.push_back(
        fe::notSupported("spec.template.spec.restartPolicy", t.spec.restartPolicy, {"Always"}));
  }
  if (t.spec.activeDeadlineSeconds) {
    out.push_back(
        fe::forbidden("spec.template.spec.activeDeadlineSeconds",
                      std::string("activeDeadlineSeconds in ") + kind + " is not Supported"));
  }
  return out;
}

FieldErrors validateSelector(const std::optional<api::LabelSelector>& s, const char* what) {
  FieldErrors out;
  if (!s) {
    out.push_back(fe::required("spec.selector"));
    return out;
  }
  append(out, validateLabelSelector(*s, "spec.selector"));
  if (s->matchLabels.empty() && s->matchExpressions.empty()) {
    out.push_back(fe::invalid("spec.selector", goLabelSelector(s),
                              std::string("empty selector is invalid for ") + what));
  }
  return out;
}

std::string intOrString(const api::IntOrString& v) {
  return v.toString();
}

// The count, or the percentage of "25%"; -1 when the string is not "<int>%".
int32_t intOrPercentValue(const std::optional<api::IntOrString>& v) {
  if (!v) return 0;
  if (v->isInt()) return v->intValue();
  const std::string& s = v->strValue();
  int32_t n = -1;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() - 1 || s.back() != '%') return -1;
  return n;
}

// ValidatePositiveIntOrPercent (and IsNotMoreThan100Percent when max100).
FieldErrors validateIntOrPercent(const std::optional<api::IntOrString>& v, const std::string& path,
                                 bool max100) {
  FieldErrors out;
  if (!v) return out;
  if (v->isString()) {
    const std::string& s = v->strValue();
    bool ok = s.size() >= 2 && s.back() == '%';
    for (size_t i = 0; ok && i + 1 < s.size(); ++i)
      ok = std::isdigit(static_cast<unsigned char>(s[i]));
    if (!ok) {
      out.push_back(
          fe::invalid(path, intOrString(*v), "must be an integer or percentage (e.g '5%')"));
    } else if (int32_t pv = intOrPercentValue(v); max100 && (pv < 0 || pv > 100)) {
      out.push_back(fe::invalid(path, intOrString(*v), "must not be greater than 100%"));
    }
  } else {
    append(out, validateNonNegative(v->intValue(), path));
  }
  return out;
}

FieldErrors selectorImmutable(const std::optional<api::LabelSelector>& n,
                              const std::optional<api::LabelSelector>& o) {
  Json nj = n ? api::encode(*n) : Json(), oj = o ? api::encode(*o) : Json();
  if (nj == oj) return {};
  return {immutable("spec.selector", goLabelSelector(n))};
}

class DeploymentRules final : public TypedRules<api::Deployment> {
 protected:
  void defaults(api::Deployment& d) const override {
    auto& s = d.spec;
    if (!s.replicas) s.replicas = 1;
    if (s.strategy.type.empty()) s.strategy.type = "RollingUpdate";
    if (s.strategy.type == "RollingUpdate") {
      if (!s.strategy.rollingUpdate) s.strategy.rollingUpdate = api::RollingUpdateDeployment{};
      if (!s.strategy.rollingUpdate->maxUnavailable)
        s.strategy.rollingUpdate->maxUnavailable = "25%";
      if (!s.strategy.rollingUpdate->maxSurge) s.strategy.rollingUpdate->maxSurge = "25%";
    }
    if (!s.revisionHistoryLimit) s.revisionHistoryLimit = 10;
    if (!s.progressDeadlineSeconds) s.progressDeadlineSeconds = 600;
    defaultPodSpec(s.template_.spec);
  }
  FieldErrors create(const api::Deployment& d) const override {
    FieldErrors out = validateMeta(d.metadata, MetaOptions{});
    const auto& s = d.spec;
    append(out, validateNonNegative(s.replicas.value_or(0), "spec.replicas"));
    append(out, validateSelector(s.selector, "deployment"));
    if (s.selector) append(out, validateTemplateFor(s.selector, s.template_, "Deployment"));
    const auto& st = s.strategy;
    if (st.type == "Recreate") {
      if (st.rollingUpdate) {
        out.push_back(fe::forbidden("spec.strategy.rollingUpdate",
                                    "may not be specified when strategy `type` is 'Recreate'"));
      }
    } else if (st.type == "RollingUpdate") {
      if (!st.rollingUpdate) {
        out.push_back(fe::required("spec.strategy.rollingUpdate",
                                   "this should be defaulted and never be nil"));
      } else {
        const std::string p = "spec.strategy.rollingUpdate";
        append(out, validateIntOrPercent(st.rollingUpdate->maxUnavailable,
                                         child(p, "maxUnavailable"), true));
        append(out, validateIntOrPercent(st.rollingUpdate->maxSurge, child(p, "maxSurge"), false));
        if (intOrPercentValue(st.rollingUpdate->maxUnavailable) == 0 &&
            intOrPercentValue(st.rollingUpdate->maxSurge) == 0) {
          out.push_back(fe::invalid(child(p, "maxUnavailable"),
                                    intOrString(st.rollingUpdate->maxUnavailable.value_or(0)),
                                    "may not be 0 when `maxSurge` is 0"));
        }
      }
    } else {
      out.push_back(fe::notSupported("spec.strategy.type", st.type, {"Recreate", "RollingUpdate"}));
    }
    append(out, validateNonNegative(s.minReadySeconds, "spec.minReadySeconds"));
    if (s.revisionHistoryLimit) {
      append(out, validateNonNegative(*s.revisionHistoryLimit, "spec.revisionHistoryLimit"));
    }
    if (s.progressDeadlineSeconds) {
      append(out, validateNonNegative(*s.progressDeadlineSeconds, "spec.progressDeadlineSeconds"));
      if (*s.progressDeadlineSeconds <= s.minReadySeconds) {
        out.push_back(fe::invalidInt("spec.progressDeadlineSeconds", *s.progressDeadlineSeconds,
                                     "must be greater than minReadySeconds"));
      }
    }
    return out;
  }
  FieldErrors update(const api::Deployment& n, const api::Deployment& o) const override {
    return selectorImmutable(n.spec.selector, o.spec.selector);
  }
  FieldErrors status(const api::Deployment& n, const api::Deployment&) const override {
    const auto& s = n.status;
    FieldErrors out = validateNonNegative(s.observedGeneration, "status.observedGeneration");
    append(out, validateNonNegative(s.replicas, "status.replicas"));
    append(out, validateNonNegative(s.updatedReplicas, "status.updatedReplicas"));
    append(out, validateNonNegative(s.readyReplicas, "status.readyReplicas"));
    append(out, validateNonNegative(s.availableReplicas, "status.availableReplicas"));
    append(out, validateNonNegative(s.unavailableReplicas, "status.unavailableReplicas"));
    if (s.collisionCount)
      append(out, validateNonNegative(*s.collisionCount, "status.collisionCount"));
    const char* msg = "cannot be greater than status.replicas";
    if (s.updatedReplicas > s.replicas) {
      out.push_back(fe::invalidInt("status.updatedReplicas", s.updatedReplicas, msg));
    }
    if (s.readyReplicas > s.replicas) {
      out.push_back(fe::invalidInt("status.readyReplicas", s.readyReplicas, msg));
    }
    if (s.availableReplicas > s.replicas) {
      out.push_back(fe::invalidInt("status.availableReplicas", s.availableReplicas, msg));
    }
    if (s.availableReplicas > s.readyReplicas) {
      out.push_back(fe::invalidInt("status.availableReplicas", s.availableReplicas,
                                   "cannot be greater than readyReplicas"));
    }
    for (size_t i = 0; i < s.conditions.size(); ++i) {
      append(out, validateConditionStatus(s.conditions[i].status,
                                          child(index("status.conditions", i), "status")));
    }
    return out;
  }
};

class ReplicaSetRules final : public TypedRules<api::ReplicaSet> {
 protected:
  void defaults(api::ReplicaSet& r) const override {
    if (!r.spec.replicas) r.spec.replicas = 1;
    defaultPodSpec(r.spec.template_.spec);
  }
  FieldErrors create(const api::ReplicaSet& r) const override {
    FieldErrors out = validateMeta(r.metadata, MetaOptions{});
    append(out, validateNonNegative(r.spec.replicas.value_or(0), "spec.replicas"));
    append(out, validateNonNegative(r.spec.minReadySeconds, "spec.minReadySeconds"));
    append(out, validateSelector(r.spec.selector, "deployment"));
    if (r.spec.selector)
      append(out, validateTemplateFor(r.spec.selector, r.spec.template_, "ReplicaSet"));
    return out;
  }
  FieldErrors update(const api::ReplicaSet& n, const api::ReplicaSet& o) const override {
    return selectorImmutable(n.spec.selector, o.spec.selector);
  }
  FieldErrors status(const api::ReplicaSet& n, const api::ReplicaSet&) const override {
    const auto& s = n.status;
    FieldErrors out = validateNonNegative(s.replicas, "status.replicas");
    append(out, validateNonNegative(s.fullyLabeledReplicas, "status.fullyLabeledReplicas"));
    append(out, validateNonNegative(s.readyReplicas, "status.readyReplicas"));
    append(out, validateNonNegative(s.availableReplicas, "status.availableReplicas"));
    append(out, validateNonNegative(s.observedGeneration, "status.observedGeneration"));
    const char* msg = "cannot be greater than the number of replicas";
    if (s.fullyLabeledReplicas > s.replicas) {
      out.push_back(fe::invalidInt("status.fullyLabeledReplicas", s.fullyLabeledReplicas, msg));
    }
    if (s.readyReplicas > s.replicas) {
      out.push_back(fe::invalidInt("status.readyReplicas", s.readyReplicas, msg));
    }
    if (s.availableReplicas > s.replicas) {
      out.push_back(fe::invalidInt("status.availableReplicas", s.availableReplicas, msg));
    }
    if (s.availableReplicas > s.readyReplicas) {
      out.push_back(fe::invalidInt("status.availableReplicas", s.availableReplicas,
                                   "cannot be greater than readyReplicas"));
    }
    return out;
  }
};

class DaemonSetRules final : public TypedRules<api::DaemonSet> {
 protected:
  void defaults(api::DaemonSet& d) const override {
    auto& u = d.spec.updateStrategy;
    if (u.type.empty()) u.type = "RollingUpdate";
    if (u.type == "RollingUpdate") {
      if (!u.rollingUpdate) u.rollingUpdate = api::RollingUpdateDaemonSet{};
      if (!u.rollingUpdate->maxUnavailable) u.rollingUpdate->maxUnavailable = 1;
      if (!u.rollingUpdate->maxSurge) u.rollingUpdate->maxSurge = 0;
    }
    if (!d.spec.revisionHistoryLimit) d.spec.revisionHistoryLimit = 10;
    defaultPodSpec(d.spec.template_.spec);
  }
  FieldErrors create(const api::DaemonSet& d) const override {
    FieldErrors out = validateMeta(d.metadata, MetaOptions{});
    const auto& s = d.spec;
    append(out, validateSelector(s.selector, "daemonset"));
    if (s.selector) append(out, validateTemplateFor(s.selector, s.template_, "DaemonSet"));
    append(out, validateNonNegative(s.minReadySeconds, "spec.minReadySeconds"));
    const auto& u = s.updateStrategy;
    if (u.type == "RollingUpdate") {
      if (!u.rollingUpdate) {
        out.push_back(fe::required("spec.updateStrategy.rollingUpdate"));
      } else {
        const std::string p = "spec.updateStrategy.rollingUpdate";
        append(out, validateIntOrPercent(u.rollingUpdate->maxUnavailable,
                                         child(p, "maxUnavailable"), true));
        append(out, validateIntOrPercent(u.rollingUpdate->maxSurge, child(p, "maxSurge"), true));
        int32_t mu = intOrPercentValue(u.rollingUpdate->maxUnavailable);
        int32_t ms = intOrPercentValue(u.rollingUpdate->maxSurge);
        if (mu == 0 && ms == 0) {
          out.push_back(fe::invalid(child(p, "maxUnavailable"),
                                    intOrString(u.rollingUpdate->maxUnavailable.value_or(0)),
                                    "may not be 0 when `maxSurge` is 0"));
        }
        if (mu != 0 && ms != 0) {
          out.push_back(fe::invalid(child(p, "maxSurge"),
                                    intOrString(u.rollingUpdate->maxSurge.value_or(0)),
                                    "may not be set when maxUnavailable is non-zero"));
        }
      }
    } else if (u.type != "OnDelete") {
      out.push_back(
          fe::notSupported("spec.updateStrategy.type", u.type, {"OnDelete", "RollingUpdate"}));
    }
    if (s.revisionHistoryLimit) {
      append(out, validateNonNegative(*s.revisionHistoryLimit, "spec.revisionHistoryLimit"));
    }
    return out;
  }
  FieldErrors update(const api::DaemonSet& n, const api::DaemonSet& o) const override {
    return selectorImmutable(n.spec.selector, o.spec.selector);
  }
  FieldErrors status(const api::DaemonSet& n, const api::DaemonSet&) const override {
    const auto& s = n.status;
    FieldErrors out;
    append(out, validateNonNegative(s.numberMisscheduled, "status.numberMisscheduled"));
    append(out, validateNonNegative(s.desiredNumberScheduled, "status.desiredNumberScheduled"));
    append(out, validateNonNegative(s.numberReady, "status.numberReady"));
    append(out, validateNonNegative(s.observedGeneration, "status.observedGeneration"));
    append(out, validateNonNegative(s.updatedNumberScheduled, "status.updatedNumberScheduled"));
    append(out, validateNonNegative(s.numberAvailable, "status.numberAvailable"));
    append(out, validateNonNegative(s.numberUnavailable, "status.numberUnavailable"));
    append(out, validateNonNegative(s.currentNumberScheduled, "status.currentNumberScheduled"));
    return out;
  }
};

// autoscaling/v1 Scale: metadata and spec.replicas >= 0 (ValidateScale), on its JSON.
class ScaleRules final : public KindRules {
 public:
  Status applyDefaults(Json& obj) const override {
    if (!obj.is_object())
      return Status::invalid("expected object, got " + std::string(api::jsonTypeName(obj)));
    return Status::ok();
  }
  FieldErrors validateCreate(const Json& obj) const override {
    FieldErrors out = validateObjectMeta(
        obj.is_object() && obj.contains("metadata") ? obj["metadata"] : Json(), true, "Scale");
    if (obj.is_object() && obj.contains("spec") && obj["spec"].is_object() &&
        obj["spec"].contains("replicas")) {
      const Json& r = obj["spec"]["replicas"];
      if (!r.is_number_integer()) {
        out.push_back(fe::invalid("spec.replicas", "",
                                  "expected integer, got " + std::string(api::jsonTypeName(r))));
      } else if (r.get<int64_t>() < 0) {
        out.push_back(fe::invalidInt("spec.replicas", r.get<int64_t>(), names::kNonNegative));
      }
    }
    return out;
  }
  FieldErrors validateUpdate(const Json& obj, const Json&) const override {
    return validateCreate(obj);
  }
  FieldErrors validateStatusUpdate(const Json&, const Json&) const override { return {}; }
};

}  // namespace

const KindRules* deploymentRules() {
  static const DeploymentRules r;
  return &r;
}
const KindRules* replicaSetRules() {
  static const ReplicaSetRules r;
  return &r;
}
const KindRules* daemonSetRules() {
  static const DaemonSetRules r;
  return &r;
}
const KindRules* scaleRules() {
  static const ScaleRules r;
  return &r;
}

}  // namespace orch::apiserver
