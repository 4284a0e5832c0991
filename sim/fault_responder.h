#ifndef LIPSYNC_SIM_FAULT_RESPONDER_H_
#define LIPSYNC_SIM_FAULT_RESPONDER_H_

#include <httplib.h>

#include <string>

#include "absl/synchronization/notification.h"
#include "sim/api_answer.h"
#include "sim/faults.h"

namespace kling_sim {

// Writes `answer` as it is: status, extra headers, JSON body.
void WriteAnswer(const ApiAnswer& answer, httplib::Response& res);

// The answer of a before-effect `error` or `rate_limit` fault (the request
// is not handled at all).
ApiAnswer BeforeEffectAnswer(const Fault& fault, const std::string& request_id);

// Writes `answer` spoiled by an after-effect fault (the request was handled:
// a create has created its task). Long answers (huge, slow_drip, latency)
// are streamed by content providers and stop early once `stopping` is
// notified, so that shutdown never waits for them. `stopping` must outlive
// the response.
void WriteSpoiledAnswer(const Fault& fault, const ApiAnswer& answer,
                        const absl::Notification* stopping,
                        httplib::Response& res);

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_FAULT_RESPONDER_H_
