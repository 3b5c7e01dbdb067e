package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.CommitOutcomeUnknownException;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.InMemoryStoreFixture;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A signing-key rotation whose commit's answer was lost (STORAGE_UNAVAILABLE: it may have been made): the engine
 * that made it must sign with the new key at once if it was made, as after a rotation that returned, not go on
 * signing with its cached key set until that set is a minute old. The clock stands still.
 */
class SigningKeyLostCommitInMemoryTest {
  private final InMemoryStoreFixture fixture = new InMemoryStoreFixture();
  /** The thread whose next transaction commits and then reports the commit's outcome unknown. */
  private volatile Thread loseCommitAnswer;
  private final LoyaltyEngine engine = LoyaltyEngine.builder()
      .storage(new InterceptingStorage(fixture.openStorage(), tx -> tx) {
        @Override
        public <T> T inTransaction(TransactionWork<T> work) {
          T result = super.inTransaction(work);
          if (Thread.currentThread() == loseCommitAnswer) {
            loseCommitAnswer = null;
            throw new CommitOutcomeUnknownException("test: the commit's answer was lost", null);
          }
          return result;
        }
      })
      .clock(SettableClock.at(Instant.parse("2025-03-01T10:15:30Z")))
      .events(EventSettings.builder().manualDispatch().build())
      .build();

  @AfterEach
  void close() {
    engine.close();
    fixture.close();
  }

  @Test
  void aRotationWhoseCommitsAnswerWasLostSignsWithTheNewKeyAtOnceOnThisEngine() {
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Keys")).id());
    Brand brand = scope.brands().create(new NewBrand("Keys", "https://keys.example.com"));
    Campaign campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Signed"));
    ParticipantRef p = ParticipantRef.id(scope.participants().create(campaign.id(),
        NewParticipant.withEmail("p@example.com")).id());
    assertTrue(scope.referrals().codes(p).signed().startsWith("r1.1."), "key 1 made, and cached for signing");

    loseCommitAnswer = Thread.currentThread();
    LoyaltyException lost = assertThrows(LoyaltyException.class, () -> scope.referrals().rotateSigningKey());
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, lost.code(), "the rotation may have been made");
    assertTrue(scope.referrals().codes(p).signed().startsWith("r1.2."),
        "it was: the engine that made it signs with key 2 at once, not when its cached key 1 is a minute old");
  }
}
