package io.loyaltyengine.core.leaderboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.leaderboard.BoardEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Edge cases of {@link BoardIndex} and {@link Roster}: empty boards, all-zero boards, limits, cutoffs, last rows. */
class BoardIndexTest {
  @Test
  void anEmptyBoardHasNoRowsAndNoMembers() {
    BoardIndex board = new BoardIndex(new Roster(), Long.MAX_VALUE);
    assertEquals(List.of(), board.page(null, 100));
    assertEquals(0, board.members());
    assertEquals(0, board.scored());
    assertEquals(0, board.rank(1));
    assertEquals(-1, board.score(1));
    board.raise(1, 5);  // not a member: ignored
    assertEquals(0, board.scored());
    assertThrows(IllegalArgumentException.class, () -> board.page(1L, 10));
  }

  @Test
  void anAllZeroBoardListsMembersInIdOrderWithRankOne() {
    Roster roster = new Roster();
    roster.add(30, 1);
    roster.add(10, 2);
    roster.add(20, 3);
    BoardIndex board = new BoardIndex(roster, Long.MAX_VALUE);
    assertEquals(List.of(new BoardEntry(10, 0, 1), new BoardEntry(20, 0, 1), new BoardEntry(30, 0, 1)),
        board.page(null, 100));
    assertEquals(1, board.rank(20));
    assertEquals(0, board.score(20));
    assertEquals(3, board.members());
  }

  @Test
  void scoredRowsComeFirstThenZerosAndTiesShareARank() {
    Roster roster = new Roster();
    for (long id = 1; id <= 6; id++) {
      roster.add(id, id);
    }
    BoardIndex board = new BoardIndex(roster, Long.MAX_VALUE);
    board.raise(4, 7);
    board.raise(2, 7);
    board.raise(5, 3);
    board.raise(5, 1);  // raising keeps the max
    List<BoardEntry> expected = List.of(new BoardEntry(2, 7, 1), new BoardEntry(4, 7, 1), new BoardEntry(5, 3, 3),
        new BoardEntry(1, 0, 4), new BoardEntry(3, 0, 4), new BoardEntry(6, 0, 4));
    assertEquals(expected, board.page(null, 1000));               // a limit above the members
    assertEquals(expected.subList(2, 4), board.page(4L, 2));      // from the last scored row into the zeros
    assertEquals(List.of(), board.page(6L, 10));                  // after the last row
    assertEquals(List.of(), board.page(5L, 0));
    assertEquals(3, board.rank(5));
    assertEquals(4, board.rank(6));
    assertEquals(3, board.scored());
    board.forget(2);
    assertEquals(new BoardEntry(4, 7, 1), board.page(null, 1).get(0));
    assertEquals(0, board.score(2));
    assertEquals(3, board.rank(2));
    assertThrows(IllegalArgumentException.class, () -> board.raise(1, -1));
    assertThrows(IllegalArgumentException.class, () -> board.page(null, -1));
  }

  @Test
  void aCutoffOmitsMembersCreatedAtOrAfterIt() {
    Roster roster = new Roster();
    roster.add(1, 100);
    roster.add(2, 200);
    roster.add(3, 300);
    BoardIndex previous = new BoardIndex(roster, 200);
    previous.raise(2, 9);  // created at the cutoff: not on the board
    previous.raise(1, 4);
    assertEquals(1, previous.members());
    assertEquals(List.of(new BoardEntry(1, 4, 1)), previous.page(null, 10));
    assertEquals(0, previous.rank(3));
    assertEquals(-1, previous.score(2));
    assertThrows(IllegalArgumentException.class, () -> previous.page(3L, 10));
    roster.add(0, 50);  // a member that predates the cutoff appears at once
    assertEquals(List.of(new BoardEntry(1, 4, 1), new BoardEntry(0, 0, 2)), previous.page(null, 10));
    roster.remove(0);
    assertEquals(1, previous.members());
    assertTrue(!roster.contains(0));
    assertEquals(Long.MIN_VALUE, roster.createdAtMicros(0));
    assertEquals(300, roster.createdAtMicros(3));
  }

  @Test
  void rosterAddIsIdempotent() {
    Roster roster = new Roster();
    roster.add(7, 100);
    roster.add(7, 50);
    assertEquals(1, roster.size());
    assertEquals(100, roster.createdAtMicros(7));
    assertEquals(1, new BoardIndex(roster, 101).members());
    assertEquals(0, new BoardIndex(roster, 100).members());
  }

  @Test
  void aNewBoardCopiesNothing() {
    Roster roster = new Roster();
    for (long id = 0; id < 200_000; id++) {
      roster.add(id, id);
    }
    BoardIndex board = new BoardIndex(roster, 150_000);
    assertTrue(board.retainedBytes() < 4_096, "a new board holds " + board.retainedBytes() + " bytes");
    assertEquals(150_000, board.members());
    assertEquals(1, board.rank(149_999));
    assertEquals(0, board.rank(150_000));
  }
}
