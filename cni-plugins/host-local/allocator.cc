#include "cni-plugins/host-local/allocator.h"

namespace orch::cni::hostlocal {

RangeIter::RangeIter(const RangeSet& set, std::optional<IpAddr> last) : set_(set) {
  if (last && set.contains(*last)) {
    for (size_t i = 0; i < set.ranges.size(); ++i) {
      if (set.ranges[i].contains(*last)) {
        idx_ = i;
        // next() advances first, so it yields last + 1.
        cur_ = *last;
        break;
      }
    }
  }
}

std::optional<std::pair<IpAddr, const Range*>> RangeIter::next() {
  // A loop rather than the reference's recursion on the gateway; same sequence.
  for (;;) {
    const Range* r = &set_.ranges[idx_];
    if (!cur_) {
      cur_ = r->range_start;
      start_ = cur_;
      if (*cur_ == r->gateway) continue;
      return std::make_pair(*cur_, r);
    }
    if (*cur_ == r->range_end) {
      idx_ = (idx_ + 1) % set_.ranges.size();
      r = &set_.ranges[idx_];
      cur_ = r->range_start;
    } else {
      cur_ = cur_->next();
    }
    if (!start_) {
      start_ = cur_;
    } else if (*cur_ == *start_) {
      return std::nullopt;
    }
    if (*cur_ == r->gateway) continue;
    return std::make_pair(*cur_, r);
  }
}

Result<IpConfig> allocate(DiskStore& store, const RangeSet& set, int range_id,
                          const std::string& id, const std::string& ifname,
                          const std::optional<IpAddr>& requested) {
  if (requested) {
    const Range* r = set.rangeFor(*requested);
    if (!r) {
      return Status::invalid(requested->toString() + " not in range set " + set.toString());
    }
    if (*requested == r->gateway) {
      return Status::invalid("requested ip " + requested->toString() + " is subnet's gateway");
    }
    ORCH_ASSIGN_OR_RETURN(bool ok, store.reserve(id, ifname, *requested, range_id));
    if (!ok) {
      return Status::error(EAGAIN, "requested IP address " + requested->toString() +
                                       " is not available in range set " + set.toString());
    }
    return IpConfig{IpNet{*requested, r->subnet.prefix}, r->gateway, std::nullopt};
  }
  ORCH_ASSIGN_OR_RETURN(auto held, store.getById(id, ifname));
  for (const auto& ip : held) {
    if (set.contains(ip)) {
      return Status::exists(ip.toString() + " has been allocated to " + id +
                            ", duplicate allocation is not allowed");
    }
  }
  ORCH_ASSIGN_OR_RETURN(auto last, store.lastReservedIp(range_id));
  RangeIter it(set, last);
  while (auto cand = it.next()) {
    ORCH_ASSIGN_OR_RETURN(bool ok, store.reserve(id, ifname, cand->first, range_id));
    if (ok) {
      return IpConfig{IpNet{cand->first, cand->second->subnet.prefix}, cand->second->gateway,
                      std::nullopt};
    }
  }
  return Status::error(EAGAIN, "no IP addresses available in range set: " + set.toString());
}

}  // namespace orch::cni::hostlocal
