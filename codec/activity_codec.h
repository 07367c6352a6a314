// gate::ActivityEvent -> portcullis.v1.ActivityEvent, the activity
// stream's wire form (Admin.TailActivity). Pure; thread-safe.
#ifndef PORTCULLIS_CODEC_ACTIVITY_CODEC_H_
#define PORTCULLIS_CODEC_ACTIVITY_CODEC_H_

#include "gate/activity_event.h"
#include "portcullis/v1/admin.pb.h"

namespace portcullis::codec {

// Overwrites `proto` with `event`'s fields (it carries no others).
void ActivityEventToProto(const gate::ActivityEvent& event,
                          v1::ActivityEvent* proto);

}  // namespace portcullis::codec

#endif  // PORTCULLIS_CODEC_ACTIVITY_CODEC_H_
