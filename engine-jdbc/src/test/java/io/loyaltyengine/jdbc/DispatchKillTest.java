package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An engine instance killed with SIGKILL in the middle of a delivery leaves its claim behind; once the lease runs
 * out, another instance on the same PostgreSQL database delivers the event.
 */
class DispatchKillTest {
  private final PostgresFixture fixture = new PostgresFixture();
  private final Path directory = TestFiles.newDirectory("loyalty-dispatch-kill-");

  @AfterEach
  void cleanUp() {
    fixture.close();
    TestFiles.delete(directory);
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a guard against a hung child, not a measurement
  void deliveryClaimedByAKilledInstanceIsDeliveredByAnotherAfterTheLease() throws Exception {
    // The child leases with the system clock; this instance's clock starts there and moves past the lease later.
    SettableClock clock = SettableClock.at(Instant.now());
    LoyaltyEngine survivor = LoyaltyEngine.builder()
        .storage(fixture.openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .build();
    try {
      TenantScope scope = survivor.forTenant(survivor.tenants().create(NewTenant.business("Kill")).id());
      long brand = scope.brands().create(new NewBrand("Kill", "kill.example.com")).id();
      long campaign = scope.campaigns().create(NewCampaign.running(brand, "Kill")).id();
      long participant = scope.participants().create(campaign, NewParticipant.withEmail("kill@example.com")).id();
      scope.points().award(ParticipantRef.id(participant), PointsChange.of(5, "purchase"));

      String claimed = claimInAChildAndKillIt();

      List<LoyaltyEvent> delivered = new CopyOnWriteArrayList<>();
      survivor.events().subscribe("killable", EventFilter.types(EventType.POINTS_AWARDED), delivered::add);
      survivor.events().dispatch();
      assertTrue(delivered.isEmpty(), "the dead instance's lease still holds");
      clock.advance(EventSettings.DEFAULTS.lease().plus(Duration.ofMinutes(1)));
      survivor.events().dispatch();
      assertEquals(List.of(claimed), delivered.stream().map(LoyaltyEvent::id).toList(),
          "the survivor delivers what the killed instance had claimed");
    } finally {
      survivor.close();
    }
  }

  private String claimInAChildAndKillIt() throws Exception {
    Path errors = directory.resolve("child-stderr.txt");
    Process child = ChildJvm.start(DispatchKillChild.class, errors, EmbeddedPostgresServer.url(fixture.database()));
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line = out.readLine();
      if (line == null || !line.startsWith("CLAIMED ")) {
        throw new AssertionError("the child did not claim: " + line + "\n" + Files.readString(errors));
      }
      child.destroyForcibly();
      child.waitFor();
      return line.substring("CLAIMED ".length());
    } finally {
      child.destroyForcibly();
    }
  }
}
