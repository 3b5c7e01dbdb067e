package io.loyaltyengine.core.spi;

import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.RewardProgram;
import java.util.List;
import java.util.Optional;

/**
 * Campaign rewards and reward programs (a campaign's reward settings).
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface RewardPort {
  /** Inserts a campaign reward. */
  void insert(CampaignReward reward);

  /** Finds a campaign reward of the tenant. */
  Optional<CampaignReward> find(long tenantId, long campaignRewardId);

  /** A campaign's rewards in id order. */
  List<CampaignReward> list(long tenantId, long campaignId);

  /** Creates or replaces a campaign's reward program. */
  void saveProgram(long tenantId, RewardProgram program);

  /** A campaign's reward program, if it was ever configured. */
  Optional<RewardProgram> findProgram(long tenantId, long campaignId);
}
