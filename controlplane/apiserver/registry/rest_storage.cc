#include "controlplane/apiserver/registry/rest_storage.h"

#include <algorithm>

#include "common/api/codec.h"
#include "controlplane/apiserver/registry/field_attributes.h"
#include "controlplane/apiserver/registry/kind_codecs.h"
#include "controlplane/apiserver/registry/object_meta_ops.h"
#include "controlplane/apiserver/registry/object_rules.h"
#include "controlplane/apiserver/registry/stored_object.h"

namespace orch::apiserver {

namespace {

// Unconditional writes retry on conflicts; a pathological hot spot still ends.
constexpr int kMaxUpdateAttempts = 64;
// Names tried for a generateName create before giving up on collisions.
constexpr int kMaxGenerateAttempts = 8;

bool hasStatusSubresource(const ResourceInfo& r) {
  for (const SubresourceInfo& s : r.subresources)
    if (s.name == "status") return true;
  return false;
}

bool hasFinalizers(const api::Json& obj) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return false;
  auto f = m->find("finalizers");
  return f != m->end() && f->is_array() && !f->empty();
}

bool hasDeletionTimestamp(const api::Json& obj) {
  return !metaString(obj, "deletionTimestamp").empty();
}

// Upstream's deletion propagation: Orphan and Foreground become finalizers that the garbage
// collector finishes. Returns whether `obj` now carries one of them.
bool applyPropagationPolicy(api::Json& obj, const std::string& policy) {
  auto has = [&](const char* f) {
    const api::Json fs = obj["metadata"].value("finalizers", api::Json::array());
    return std::find(fs.begin(), fs.end(), api::Json(f)) != fs.end();
  };
  auto set = [&](const char* add, const char* drop) {
    api::Json kept = api::Json::array();
    for (const api::Json& f : obj["metadata"].value("finalizers", api::Json::array()))
      if (f != drop && f != add) kept.push_back(f);
    kept.push_back(add);
    obj["metadata"]["finalizers"] = kept;
  };
  if (policy == "Orphan") set("orphan", "foregroundDeletion");
  if (policy == "Foreground") set("foregroundDeletion", "orphan");
  return has("orphan") || has("foregroundDeletion");
}

}  // namespace

ApiResult<DeleteOptions> parseDeleteOptions(const Request& req) {
  DeleteOptions o;
  if (!req.body.empty()) {
    auto j = api::detail::parseJsonText(req.body);
    if (!j.ok() || !j->is_object())
      return badRequestError("the body of a delete must be a DeleteOptions object");
    if (auto g = j->find("gracePeriodSeconds"); g != j->end() && !g->is_null()) {
      if (!g->is_number_integer()) return badRequestError("gracePeriodSeconds: must be an integer");
      o.grace_period_seconds = g->get<int64_t>();
    }
    if (auto p = j->find("propagationPolicy"); p != j->end() && p->is_string())
      o.propagation_policy = p->get<std::string>();
    if (auto pre = j->find("preconditions"); pre != j->end() && pre->is_object()) {
      if (auto u = pre->find("uid"); u != pre->end() && u->is_string())
        o.precondition_uid = u->get<std::string>();
      if (auto rv = pre->find("resourceVersion"); rv != pre->end() && rv->is_string())
        o.precondition_resource_version = rv->get<std::string>();
    }
    if (auto d = j->find("dryRun"); d != j->end() && d->is_array()) {
      for (const auto& e : *d)
        if (e != "All")
          return badRequestError("dryRun: Unsupported value: supported values: \"All\"");
    }
  }
  if (auto g = req.queryParam("gracePeriodSeconds"); g && !g->empty()) {
    try {
      size_t used = 0;
      o.grace_period_seconds = std::stoll(*g, &used);
      if (used != g->size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return badRequestError("gracePeriodSeconds: invalid value \"" + *g + "\"");
    }
  }
  if (auto p = req.queryParam("propagationPolicy"); p && !p->empty()) o.propagation_policy = *p;
  if (!o.propagation_policy.empty() && o.propagation_policy != "Orphan" &&
      o.propagation_policy != "Background" && o.propagation_policy != "Foreground")
    return badRequestError("propagationPolicy: Unsupported value: \"" + o.propagation_policy +
                           "\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
  if (o.grace_period_seconds && *o.grace_period_seconds < 0) o.grace_period_seconds = 0;
  return o;
}

ResourceStorage::ResourceStorage(const ResourceInfo& info, store::Store& store,
                                 std::shared_ptr<KindHooks> hooks, NamespaceCheck namespace_check)
    : info_(info),
      store_(store),
      hooks_(hooks ? std::move(hooks) : std::make_shared<KindHooks>()),
      namespace_check_(std::move(namespace_check)),
      has_status_(hasStatusSubresource(info)) {}

ApiResult<api::Json> ResourceStorage::get(const std::string& ns, const std::string& name,
                                          int64_t revision) {
  auto kv = store_.get(objectKey(info_, ns, name), revision);
  if (!kv.ok()) return fromStoreError(info_, name, kv.status());
  auto obj = decodeStored(*kv);
  if (!obj.ok()) return internalError(obj.status());
  return std::move(obj).value();
}

ApiResult<ResourceStorage::ListPage> ResourceStorage::list(const std::string& ns,
                                                           const ListOptions& o) {
  const std::string prefix = collectionPrefix(info_, ns);
  int64_t revision = 0;
  std::string after;
  if (!o.continue_token.empty()) {
    auto cp = decodeContinue(o.continue_token);
    if (!cp.ok()) return cp.error();
    revision = cp->revision;
    after = prefix + cp->after_key;
  } else if (o.resource_version && o.resource_version_match == "Exact") {
    revision = *o.resource_version;
  }
  const bool filtered = !o.label_selector.empty() || !o.field_selector.empty();
  const int64_t page = o.limit > 0 ? std::max<int64_t>(o.limit, filtered ? 500 : 0) : 0;

  ListPage out;
  std::string last_key;
  bool more = false;
  while (true) {
    auto res = store_.list(prefix, revision, page, after);
    if (!res.ok()) {
      if (store::isCompacted(res.status()))
        return goneError(o.continue_token.empty()
                             ? "The resourceVersion for the provided list is too old."
                             : "The provided continue parameter is too old to display a "
                               "consistent list result. You can start a new list without the "
                               "continue parameter.");
      return internalError(res.status());
    }
    revision = res->revision;
    for (store::KeyValue& kv : res->items) {
      last_key = kv.key;
      if (filtered) {
        auto obj = decodeStored(kv);
        if (!obj.ok()) return internalError(obj.status());
        if (!o.label_selector.matches(labelsOf(*obj)) ||
            !matchesFields(info_, *obj, o.field_selector))
          continue;
        out.items.push_back(api::detail::dumpCompact(*obj));
      } else {
        out.items.push_back(storedTextWithVersion(kv.value, kv.mod_revision));
      }
      if (o.limit > 0 && static_cast<int64_t>(out.items.size()) >= o.limit) break;
    }
    if (o.limit > 0 && static_cast<int64_t>(out.items.size()) >= o.limit) {
      // More remain if this store page had unread items or the store has more pages.
      more = res->more || last_key != res->items.back().key;
      break;
    }
    if (!res->more || res->items.empty()) break;
    after = res->items.back().key;
  }
  out.revision = revision;
  if (more) out.continue_token = encodeContinue({revision, last_key.substr(prefix.size())});
  return out;
}

std::string ResourceStorage::listText(const ListPage& page) const {
  size_t size = 200;
  for (const std::string& i : page.items) size += i.size() + 1;
  std::string out;
  out.reserve(size);
  out += "{\"apiVersion\":\"" + info_.groupVersion() + "\",\"items\":[";
  for (size_t i = 0; i < page.items.size(); ++i) {
    if (i) out.push_back(',');
    out += page.items[i];
  }
  out += "],\"kind\":\"" + info_.kind + "List\",\"metadata\":{";
  if (!page.continue_token.empty()) out += "\"continue\":\"" + page.continue_token + "\",";
  out += "\"resourceVersion\":\"" + std::to_string(page.revision) + "\"}}";
  return out;
}

api::Json ResourceStorage::listJson(const ListPage& page) const {
  auto j = api::detail::parseJsonText(listText(page));
  return j.ok() ? std::move(j).value() : api::Json::object();
}

ApiStatusResult ResourceStorage::checkUnknownFields(const api::Json& obj, WriteContext& ctx) {
  if (ctx.field_validation == FieldValidation::kIgnore) {
    DecodeCheck c = checkDecodes(info_.group, info_.kind, obj);
    if (!c.type_error.isOk()) return badRequestError(c.type_error.context());
    return Done{};
  }
  DecodeCheck c = checkDecodes(info_.group, info_.kind, obj);
  if (!c.type_error.isOk()) return badRequestError(c.type_error.context());
  if (c.unknown_fields.empty()) return Done{};
  if (ctx.field_validation == FieldValidation::kStrict) {
    std::string msg = "strict decoding error: ";
    for (size_t i = 0; i < c.unknown_fields.size(); ++i)
      msg += (i ? ", " : "") + std::string("unknown field \"") + c.unknown_fields[i] + "\"";
    return badRequestError(msg);
  }
  for (const std::string& f : c.unknown_fields)
    ctx.warnings.push_back("unknown field \"" + f + "\"");
  return Done{};
}

namespace {

// apiVersion/kind of a request body: absent = the resource's; different = 400.
ApiStatusResult checkTypeMeta(const ResourceInfo& r, api::Json& obj) {
  const std::string gv = r.groupVersion();
  if (auto v = obj.find("apiVersion"); v != obj.end() && v->is_string() && !v->empty() && *v != gv)
    return badRequestError("the API version in the data (" + v->get<std::string>() +
                           ") does not match the expected API version (" + gv + ")");
  if (auto k = obj.find("kind"); k != obj.end() && k->is_string() && !k->empty() && *k != r.kind)
    return badRequestError("the kind in the data (" + k->get<std::string>() +
                           ") does not match the expected kind (" + r.kind + ")");
  obj["apiVersion"] = gv;
  obj["kind"] = r.kind;
  return Done{};
}

// metadata.namespace against the URL's.
ApiStatusResult checkNamespace(const ResourceInfo& r, api::Json& obj, const std::string& ns) {
  api::Json& m = metadataOf(obj);
  if (!r.namespaced) {
    m.erase("namespace");
    return Done{};
  }
  std::string have = metaString(obj, "namespace");
  if (have.empty()) {
    m["namespace"] = ns;
  } else if (have != ns) {
    return badRequestError(
        "the namespace of the provided object does not match the namespace sent on the request");
  }
  return Done{};
}

}  // namespace

ApiResult<api::Json> ResourceStorage::create(const std::string& ns, api::Json obj,
                                             WriteContext& ctx) {
  if (!obj.is_object()) return badRequestError("the body must be a JSON object");
  if (auto st = checkTypeMeta(info_, obj); !st.ok()) return st.error();
  if (auto st = checkNamespace(info_, obj, ns); !st.ok()) return st.error();
  if (auto st = checkUnknownFields(obj, ctx); !st.ok()) return st.error();
  if (info_.namespaced && namespace_check_) {
    if (auto st = namespace_check_(ns); !st.ok()) return st.error();
  }
  trackManagedFields(info_, obj, nullptr, ctx, Subresource::kMain);
  return finishCreate(std::move(obj), ctx);
}

ApiResult<api::Json> ResourceStorage::finishCreate(api::Json obj, WriteContext& ctx) {
  api::Json& m = metadataOf(obj);
  const std::string generate = metaString(obj, "generateName");
  const bool generated = metaString(obj, "name").empty() && !generate.empty();
  m["uid"] = newUid();
  m["creationTimestamp"] = ctx.now;
  m["generation"] = 1;
  for (const char* f :
       {"deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "resourceVersion"})
    m.erase(f);
  if (has_status_ && info_.kind != "Node") obj.erase("status");
  if (auto st = applyKindDefaults(info_, obj); !st.ok()) return st.error();
  hooks_->prepareCreate(obj, ctx);

  for (int attempt = 0;; ++attempt) {
    if (generated) metadataOf(obj)["name"] = generateName(generate);
    if (auto st = validateForCreate(info_, obj); !st.ok()) return st.error();
    const std::string name = metaString(obj, "name");
    if (auto st = hooks_->reserve(obj, nullptr, ctx); !st.ok()) return st.error();
    if (ctx.dry_run) {
      hooks_->unreserve(obj, nullptr);
      return obj;
    }
    auto kv =
        store_.create(objectKey(info_, metaString(obj, "namespace"), name), encodeForStore(obj));
    if (!kv.ok()) {
      hooks_->unreserve(obj, nullptr);
      if (generated && store::isAlreadyExists(kv.status()) && attempt < kMaxGenerateAttempts)
        continue;
      return fromStoreError(info_, name, kv.status());
    }
    setResourceVersion(obj, kv->mod_revision);
    return obj;
  }
}

ApiResult<api::Json> ResourceStorage::prepareUpdate(const api::Json& old, api::Json desired,
                                                    WriteContext& ctx, Subresource sub,
                                                    bool track_fields) {
  if (auto st = checkTypeMeta(info_, desired); !st.ok()) return st.error();
  api::Json obj;
  if (sub == Subresource::kStatus) {
    // A status write changes status only (upstream resets spec and metadata to the old ones).
    obj = old;
    if (desired.contains("status"))
      obj["status"] = desired["status"];
    else
      obj.erase("status");
  } else {
    obj = std::move(desired);
    if (has_status_) {
      if (old.contains("status"))
        obj["status"] = old["status"];
      else
        obj.erase("status");
    }
    for (const char* f : {"uid", "creationTimestamp", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "generation"}) {
      if (std::string(f) == "uid" && !metaString(obj, "uid").empty()) continue;  // validated
      keepMetadataField(obj, old, f);
    }
    metadataOf(obj).erase("selfLink");
    if (!info_.namespaced) metadataOf(obj).erase("namespace");
    hooks_->prepareUpdate(obj, old);
  }
  // Defaulting sees an update as upstream decodes it: with a resourceVersion.
  const bool had_version = !metaString(obj, "resourceVersion").empty();
  if (!had_version) setResourceVersion(obj, resourceVersionOf(old));
  if (auto st = applyKindDefaults(info_, obj); !st.ok()) return st.error();
  if (!had_version) metadataOf(obj).erase("resourceVersion");
  if (sub == Subresource::kMain && specChanged(obj, old))
    metadataOf(obj)["generation"] = metaInt(old, "generation") + 1;
  if (track_fields) trackManagedFields(info_, obj, &old, ctx, sub);
  if (auto st = validateForUpdate(info_, obj, old, sub); !st.ok()) return st.error();
  return obj;
}

ApiResult<api::Json> ResourceStorage::update(const std::string& ns, const std::string& name,
                                             const Mutation& mutate, WriteContext& ctx,
                                             Subresource sub, bool create_if_missing,
                                             bool track_fields) {
  const std::string key = objectKey(info_, ns, name);
  for (int attempt = 0; attempt < kMaxUpdateAttempts; ++attempt) {
    auto kv = store_.get(key);
    if (!kv.ok() && !store::isNotFound(kv.status()))
      return fromStoreError(info_, name, kv.status());
    if (!kv.ok()) {
      if (!create_if_missing || sub != Subresource::kMain) return notFoundError(info_, name);
      auto desired = mutate(nullptr);
      if (!desired.ok()) return desired.error();
      api::Json obj = std::move(desired.value());
      if (!obj.is_object()) return badRequestError("the body must be a JSON object");
      if (resourceVersionOf(obj) != 0) return notFoundError(info_, name);
      if (auto st = checkTypeMeta(info_, obj); !st.ok()) return st.error();
      if (auto st = checkNamespace(info_, obj, ns); !st.ok()) return st.error();
      if (std::string n = metaString(obj, "name"); n != name)
        return badRequestError("the name of the object (" + n +
                               ") does not match the name on the URL (" + name + ")");
      if (auto st = checkUnknownFields(obj, ctx); !st.ok()) return st.error();
      if (info_.namespaced && namespace_check_) {
        if (auto st = namespace_check_(ns); !st.ok()) return st.error();
      }
      if (track_fields) trackManagedFields(info_, obj, nullptr, ctx, Subresource::kMain);
      auto created = finishCreate(std::move(obj), ctx);
      if (!created.ok() && created.error().status.reason == "AlreadyExists") continue;
      return created;
    }
    auto current = decodeStored(*kv);
    if (!current.ok()) return internalError(current.status());
    // The mutation sees the object without its resourceVersion: only one it sets itself (the
    // client's) is a precondition.
    api::Json unversioned = *current;
    metadataOf(unversioned).erase("resourceVersion");
    auto desired = mutate(&unversioned);
    if (!desired.ok()) return desired.error();
    if (!desired->is_object()) return badRequestError("the body must be a JSON object");
    const int64_t precondition = resourceVersionOf(*desired);
    if (precondition < 0)
      return badRequestError("metadata.resourceVersion: Invalid value: \"" +
                             metaString(*desired, "resourceVersion") + "\": must be an integer");
    if (precondition > 0 && precondition != kv->mod_revision) return conflictError(info_, name);
    if (std::string n = metaString(*desired, "name"); n.empty()) {
      metadataOf(*desired)["name"] = name;
    } else if (n != name) {
      return badRequestError("the name of the object (" + n +
                             ") does not match the name on the URL (" + name + ")");
    }
    if (auto st = checkNamespace(info_, *desired, ns); !st.ok()) return st.error();
    if (auto st = checkUnknownFields(*desired, ctx); !st.ok()) return st.error();
    auto prepared = prepareUpdate(*current, std::move(desired.value()), ctx, sub, track_fields);
    if (!prepared.ok()) return prepared.error();
    api::Json& obj = prepared.value();
    if (sameObject(obj, *current)) return std::move(current).value();

    // The last finalizer gone from an object being deleted completes the delete.
    api::Json probe = obj;
    if (hasDeletionTimestamp(obj) && !hasFinalizers(obj) &&
        metaInt(obj, "deletionGracePeriodSeconds") == 0 && !hooks_->keepOnDelete(probe)) {
      auto deleted = commitDelete(key, name, obj, kv->mod_revision, ctx);
      if (!deleted.ok() && deleted.error().status.reason == "Conflict" && precondition == 0)
        continue;
      return deleted;
    }
    if (auto st = hooks_->reserve(obj, &current.value(), ctx); !st.ok()) return st.error();
    if (ctx.dry_run) {
      hooks_->unreserve(obj, &current.value());
      return obj;
    }
    auto written = store_.update(key, encodeForStore(obj), kv->mod_revision);
    if (!written.ok()) {
      hooks_->unreserve(obj, &current.value());
      if (store::isConflict(written.status()) && precondition == 0) continue;
      return fromStoreError(info_, name, written.status());
    }
    hooks_->release(&obj, *current);
    setResourceVersion(obj, written->mod_revision);
    return obj;
  }
  return conflictError(info_, name, "too many concurrent writers; try again");
}

ApiResult<api::Json> ResourceStorage::commitDelete(const std::string& key, const std::string& name,
                                                   const api::Json& obj, int64_t mod_revision,
                                                   WriteContext& ctx) {
  if (ctx.dry_run) return obj;
  auto res = store_.remove(key, mod_revision);
  if (!res.ok()) return fromStoreError(info_, name, res.status());
  hooks_->release(nullptr, obj);
  if (observer_.deleted) observer_.deleted(info_, obj);
  return obj;
}

ApiResult<api::Json> ResourceStorage::remove(const std::string& ns, const std::string& name,
                                             const DeleteOptions& opts, WriteContext& ctx) {
  const std::string key = objectKey(info_, ns, name);
  for (int attempt = 0; attempt < kMaxUpdateAttempts; ++attempt) {
    auto kv = store_.get(key);
    if (!kv.ok()) return fromStoreError(info_, name, kv.status());
    auto decoded = decodeStored(*kv);
    if (!decoded.ok()) return internalError(decoded.status());
    api::Json obj = std::move(decoded).value();
    if (opts.precondition_uid && *opts.precondition_uid != metaString(obj, "uid"))
      return conflictError(info_, name,
                           "Precondition failed: UID in precondition: " + *opts.precondition_uid +
                               ", UID in object meta: " + metaString(obj, "uid"));
    if (opts.precondition_resource_version &&
        *opts.precondition_resource_version != metaString(obj, "resourceVersion"))
      return conflictError(info_, name,
                           "Precondition failed: ResourceVersion in precondition: " +
                               *opts.precondition_resource_version +
                               ", ResourceVersion in meta: " + metaString(obj, "resourceVersion"));

    const int64_t grace = hooks_->gracePeriod(obj, opts.grace_period_seconds);
    api::Json marked = obj;
    const bool kept = hooks_->keepOnDelete(marked);
    const bool gc_finalizer = applyPropagationPolicy(marked, opts.propagation_policy);
    if (grace <= 0 && !hasFinalizers(marked) && !kept) {
      auto deleted = commitDelete(key, name, obj, kv->mod_revision, ctx);
      if (!deleted.ok() && deleted.error().status.reason == "Conflict") continue;
      return deleted;
    }
    // Graceful or finalized: mark the object and keep it.
    api::Json& m = metadataOf(marked);
    const bool marked_before = hasDeletionTimestamp(obj);
    const int64_t grace_before = metaInt(obj, "deletionGracePeriodSeconds");
    if (!marked_before) {
      m["deletionTimestamp"] = addSeconds(ctx.now, grace);
      m["deletionGracePeriodSeconds"] = grace;
    } else if (grace < grace_before) {
      // A shorter grace period than the one in effect shortens it (never lengthens).
      m["deletionTimestamp"] = addSeconds(ctx.now, grace);
      m["deletionGracePeriodSeconds"] = grace;
    }
    if (marked == obj) return obj;
    if (ctx.dry_run) return marked;
    auto written = store_.update(key, encodeForStore(marked), kv->mod_revision);
    if (!written.ok()) {
      if (store::isConflict(written.status())) continue;
      return fromStoreError(info_, name, written.status());
    }
    setResourceVersion(marked, written->mod_revision);
    if (gc_finalizer && observer_.finalizing) observer_.finalizing(info_, marked);
    return marked;
  }
  return conflictError(info_, name, "too many concurrent writers; try again");
}

ApiResult<api::Json> ResourceStorage::removeCollection(const std::string& ns, const ListOptions& o,
                                                       const DeleteOptions& opts,
                                                       WriteContext& ctx) {
  ListOptions all = o;
  all.limit = 0;
  all.continue_token.clear();
  auto page = list(ns, all);
  if (!page.ok()) return page.error();
  api::Json listed = listJson(*page);
  api::Json deleted = api::Json::array();
  for (const api::Json& item : listed["items"]) {
    auto r = remove(metaString(item, "namespace"), metaString(item, "name"), opts, ctx);
    if (r.ok()) {
      deleted.push_back(std::move(r.value()));
    } else if (r.error().status.code != 404) {
      return r.error();
    }
  }
  listed["items"] = std::move(deleted);
  return listed;
}

}  // namespace orch::apiserver
