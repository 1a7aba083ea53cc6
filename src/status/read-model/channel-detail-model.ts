import type { Clock } from "../../clock.ts";
import type { ChannelSpec } from "../../config/channels-file.ts";
import type { Db } from "../../db/client.ts";
import type { JobHistoryEntry } from "../../hydra/job-history.ts";
import { type ChannelPageFacts, channelPageFacts } from "../channel-extras.ts";
import {
  type ChannelDetail,
  type ChannelHistory,
  composeDetail,
  loadChannelHistory,
  loadJobStrip,
  specOf,
} from "./channel-detail.ts";
import type { ChannelReadModel } from "./channel-read-model.ts";
import { channelStatuses } from "./channel-status.ts";
import { generationMemo } from "./generation-memo.ts";

/**
 * The channel page's and `/api/v1/channels/{c}`'s reads, from memory: the database parts are
 * loaded once per read-model generation and channel (a tick or a flip moves it; alerts and audit
 * entries written between ticks show at the next one), the status row and its ages per call.
 */
export interface ChannelDetailModel {
  detail(name: string): Promise<ChannelDetail>;
  /** The job strip of one channel (the overview shows every channel's). */
  strip(name: string): Promise<JobHistoryEntry[]>;
  /** What only the page shows: the newest gate's pending constituents and each release's PRs. */
  pageFacts(name: string): Promise<ChannelPageFacts>;
}

export function createChannelDetailModel(deps: {
  db: Db;
  channels: ChannelSpec[];
  clock: Clock;
  publicUrl: string;
  hydraUrl: string;
  readModel: ChannelReadModel;
}): ChannelDetailModel {
  const generation = async () => (await deps.readModel.current()).generation;
  const histories = generationMemo<ChannelHistory>(generation, (name) =>
    loadChannelHistory(deps.db, specOf(deps.channels, name)),
  );
  const strips = generationMemo<JobHistoryEntry[]>(generation, (name) =>
    loadJobStrip(deps.db, specOf(deps.channels, name), deps.clock.now(), deps.hydraUrl),
  );
  const facts = generationMemo<ChannelPageFacts>(generation, async (name) =>
    channelPageFacts(deps.db, name, await histories(name)),
  );

  return {
    async detail(name) {
      const spec = specOf(deps.channels, name);
      const [history, strip] = await Promise.all([histories(name), strips(name)]);
      const { entries } = await deps.readModel.current();
      const [channel] = channelStatuses([spec], entries, deps.clock.now(), deps.publicUrl);
      if (!channel) throw new Error(`no status for ${name}`); // channelStatuses maps each spec
      return composeDetail(channel, history, strip);
    },
    strip: (name) => strips(name),
    pageFacts: (name) => facts(name),
  };
}
