#include "controlplane/apiserver/validation/meta_rules.h"

#include <algorithm>
#include <set>

#include "common/api/codec.h"

namespace orch::apiserver {

namespace {

constexpr size_t kTotalAnnotationSizeLimit = 256 * 1024;

const std::set<std::string>& standardFinalizers() {
  static const std::set<std::string> s = {"kubernetes", "orphan", "foregroundDeletion"};
  return s;
}

FieldErrors invalidEach(const names::Msgs& msgs, const std::string& path, const std::string& v) {
  FieldErrors out;
  for (const auto& m : msgs) out.push_back(fe::invalidStr(path, v, m));
  return out;
}

}  // namespace

bool isStandardFinalizer(const std::string& name) {
  return standardFinalizers().count(name) > 0;
}

FieldErrors validateQualifiedName(const std::string& v, const std::string& path) {
  return invalidEach(names::qualifiedName(v), path, v);
}
FieldErrors validateDns1123Label(const std::string& v, const std::string& path) {
  return invalidEach(names::dns1123Label(v), path, v);
}
FieldErrors validateDns1123Subdomain(const std::string& v, const std::string& path) {
  return invalidEach(names::dns1123Subdomain(v), path, v);
}
FieldErrors validateNonNegative(int64_t v, const std::string& path) {
  if (v >= 0) return {};
  return {fe::invalidInt(path, v, names::kNonNegative)};
}

FieldErrors validateLabels(const std::map<std::string, std::string>& labels,
                           const std::string& path) {
  FieldErrors out;
  for (const auto& [k, v] : labels) {
    append(out, invalidEach(names::qualifiedName(k), path, k));
    append(out, invalidEach(names::labelValue(v), path, v));
  }
  return out;
}

FieldErrors validateAnnotations(const std::map<std::string, std::string>& annotations,
                                const std::string& path) {
  FieldErrors out;
  size_t total = 0;
  for (const auto& [k, v] : annotations) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& m : names::qualifiedName(lower)) out.push_back(fe::invalidStr(path, k, m));
    total += k.size() + v.size();
  }
  if (total > kTotalAnnotationSizeLimit) {
    out.push_back(fe::tooLong(path, "", kTotalAnnotationSizeLimit));
  }
  return out;
}

FieldErrors validateLabelSelector(const api::LabelSelector& s, const std::string& path) {
  FieldErrors out;
  for (size_t i = 0; i < s.matchExpressions.size(); ++i) {
    const auto& r = s.matchExpressions[i];
    std::string p = index(child(path, "matchExpressions"), i);
    if (r.operator_ == "In" || r.operator_ == "NotIn") {
      if (r.values.empty()) {
        out.push_back(fe::required(child(p, "values"),
                                   "must be specified when `operator` is 'In' or 'NotIn'"));
      }
    } else if (r.operator_ == "Exists" || r.operator_ == "DoesNotExist") {
      if (!r.values.empty()) {
        out.push_back(
            fe::forbidden(child(p, "values"),
                          "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      }
    } else {
      out.push_back(
          fe::invalidStr(child(p, "operator"), r.operator_, "not a valid selector operator"));
    }
    append(out, validateQualifiedName(r.key, child(p, "key")));
    for (size_t j = 0; j < r.values.size(); ++j) {
      append(out, invalidEach(names::labelValue(r.values[j]), index(child(p, "values"), j),
                              r.values[j]));
    }
  }
  append(out, validateLabels(s.matchLabels, child(path, "matchLabels")));
  return out;
}

FieldErrors validateMeta(const api::ObjectMeta& m, const MetaOptions& opts) {
  FieldErrors out;
  const std::string path = "metadata";
  if (!m.generateName.empty()) {
    append(out, invalidEach(names::objectName(opts.name_rule, m.generateName, true),
                            child(path, "generateName"), m.generateName));
  }
  if (m.name.empty()) {
    out.push_back(fe::required(child(path, "name"), "name or generateName is required"));
  } else {
    append(out, invalidEach(names::objectName(opts.name_rule, m.name, false), child(path, "name"),
                            m.name));
  }
  if (opts.namespaced) {
    if (m.namespace_.empty()) {
      out.push_back(fe::required(child(path, "namespace")));
    } else {
      append(out, invalidEach(names::dns1123Label(m.namespace_), child(path, "namespace"),
                              m.namespace_));
    }
  } else if (!m.namespace_.empty()) {
    out.push_back(fe::forbidden(child(path, "namespace"), "not allowed on this type"));
  }
  append(out, validateNonNegative(m.generation, child(path, "generation")));
  append(out, validateLabels(m.labels, child(path, "labels")));
  append(out, validateAnnotations(m.annotations, child(path, "annotations")));
  // Owner references: upstream reports them at the list path, without an index.
  const std::string owners = child(path, "ownerReferences");
  std::vector<std::string> controllers;
  for (const auto& ref : m.ownerReferences) {
    if (ref.apiVersion.empty()) {
      out.push_back(
          fe::invalidStr(child(owners, "apiVersion"), ref.apiVersion, "version must not be empty"));
    }
    if (ref.kind.empty()) {
      out.push_back(fe::invalidStr(child(owners, "kind"), ref.kind, "kind must not be empty"));
    }
    if (ref.name.empty()) {
      out.push_back(fe::invalidStr(child(owners, "name"), ref.name, "name must not be empty"));
    }
    if (ref.uid.empty()) {
      out.push_back(fe::invalidStr(child(owners, "uid"), ref.uid, "uid must not be empty"));
    }
    if (ref.controller.value_or(false)) controllers.push_back(ref.kind + "/" + ref.name);
  }
  if (controllers.size() > 1) {
    std::string list;
    for (const auto& c : controllers) list += (list.empty() ? "" : " ") + c;
    out.push_back(fe::invalid(owners, "",
                              "Only one reference can have Controller set to true. Found \"true\" "
                              "in references for [" +
                                  list + "]"));
  }
  const std::string fin = child(path, "finalizers");
  bool orphan = false, foreground = false;
  for (const auto& f : m.finalizers) {
    append(out, invalidEach(names::qualifiedName(f), fin, f));
    orphan = orphan || f == "orphan";
    foreground = foreground || f == "foregroundDeletion";
  }
  if (orphan && foreground) {
    out.push_back(fe::invalid(fin, fe::quoteList(m.finalizers),
                              "finalizer orphan and foregroundDeletion cannot be both set"));
  }
  if (opts.kube_finalizers) {
    // core's validateKubeFinalizerName: a name without a '/' must be a standard one.
    for (size_t i = 0; i < m.finalizers.size(); ++i) {
      const std::string& f = m.finalizers[i];
      if (f.find('/') == std::string::npos && !standardFinalizers().count(f)) {
        out.push_back(fe::invalidStr(index(fin, i), f,
                                     "name is neither a standard finalizer name nor is it fully "
                                     "qualified"));
      }
    }
  }
  return out;
}

FieldErrors validateTemplateMeta(const api::ObjectMeta& m, const std::string& path) {
  FieldErrors out = validateLabels(m.labels, child(path, "labels"));
  append(out, validateAnnotations(m.annotations, child(path, "annotations")));
  return out;
}

FieldError immutable(const std::string& path, std::string rendered_new) {
  return fe::invalid(path, std::move(rendered_new), "field is immutable");
}

std::string goTimeString(const std::optional<api::Time>& t) {
  if (!t) return "0001-01-01 00:00:00 +0000 UTC";
  std::string s = t->format();  // 2026-01-02T03:04:05Z
  if (s.size() >= 20) s = s.substr(0, 10) + " " + s.substr(11, 8);
  return s + " +0000 UTC";
}

std::string goLabelSelector(const std::optional<api::LabelSelector>& s) {
  if (!s) return "null";
  std::string out = "v1.LabelSelector{MatchLabels:";
  out += s->matchLabels.empty() ? "map[string]string(nil)" : fe::quoteMap(s->matchLabels);
  out += ", MatchExpressions:";
  if (s->matchExpressions.empty()) {
    out += "[]v1.LabelSelectorRequirement(nil)";
  } else {
    out += "[]v1.LabelSelectorRequirement{";
    for (size_t i = 0; i < s->matchExpressions.size(); ++i) {
      const auto& r = s->matchExpressions[i];
      if (i > 0) out += ", ";
      out += "v1.LabelSelectorRequirement{Key:" + fe::quote(r.key) +
             ", Operator:" + fe::quote(r.operator_) +
             ", Values:" + (r.values.empty() ? "[]string(nil)" : fe::quoteList(r.values)) + "}";
    }
    out += "}";
  }
  return out + "}";
}

FieldErrors validateMetaUpdate(const api::ObjectMeta& n, const api::ObjectMeta& o) {
  FieldErrors out;
  const std::string path = "metadata";
  if (o.deletionTimestamp) {
    std::vector<std::string> added;
    for (const auto& f : n.finalizers) {
      if (std::find(o.finalizers.begin(), o.finalizers.end(), f) == o.finalizers.end()) {
        added.push_back(f);
      }
    }
    std::sort(added.begin(), added.end());
    if (!added.empty()) {
      out.push_back(fe::forbidden(child(path, "finalizers"),
                                  "no new finalizers can be added if the object is being "
                                  "deleted, found new finalizers " +
                                      fe::quoteList(added)));
    }
  }
  if (n.resourceVersion.empty()) {
    out.push_back(
        fe::invalidStr(child(path, "resourceVersion"), "", "must be specified for an update"));
  }
  if (n.generation < o.generation) {
    out.push_back(
        fe::invalidInt(child(path, "generation"), n.generation, "must not be decremented"));
  }
  if (n.name != o.name) out.push_back(immutable(child(path, "name"), fe::quote(n.name)));
  if (n.namespace_ != o.namespace_) {
    out.push_back(immutable(child(path, "namespace"), fe::quote(n.namespace_)));
  }
  if (n.uid != o.uid) out.push_back(immutable(child(path, "uid"), fe::quote(n.uid)));
  if (n.creationTimestamp != o.creationTimestamp) {
    out.push_back(immutable(child(path, "creationTimestamp"), goTimeString(n.creationTimestamp)));
  }
  if (n.deletionTimestamp != o.deletionTimestamp) {
    out.push_back(immutable(child(path, "deletionTimestamp"),
                            n.deletionTimestamp ? goTimeString(n.deletionTimestamp) : "null"));
  }
  if (n.deletionGracePeriodSeconds != o.deletionGracePeriodSeconds) {
    out.push_back(immutable(
        child(path, "deletionGracePeriodSeconds"),
        n.deletionGracePeriodSeconds ? std::to_string(*n.deletionGracePeriodSeconds) : "null"));
  }
  return out;
}

}  // namespace orch::apiserver
