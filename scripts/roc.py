# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""ROC AUC of attack against benign scores, as scripts/eval-models.sh and eval-sites.sh report it.

A side is a list of score lists, one per capture, higher = more anomalous. The AUC is
P(a positive scores above a negative), ties counting one half. Weighted, every score of a
capture weighs 1 / its scores, so each capture counts once on its side; else each score 1.
"""
import bisect


class Negatives:
    """The benign side, sorted once so that several positive sides can be scored against it."""

    def __init__(self, captures, weighted=True):
        pts = sorted((s, 1 / len(c) if weighted else 1.0) for c in captures for s in c)
        self.xs = [s for s, _ in pts]
        self.cum = [0.0]  # cum[i]: weight of the i lowest negatives
        for _, w in pts:
            self.cum.append(self.cum[-1] + w)
        self.weighted = weighted

    def auc(self, captures):
        """The AUC of the positive captures (a list of score lists) against these negatives."""
        num = den = 0.0
        for c in captures:
            w = 1 / len(c) if self.weighted else 1.0
            for s in c:
                lo, hi = bisect.bisect_left(self.xs, s), bisect.bisect_right(self.xs, s)
                num += w * (self.cum[lo] + 0.5 * (self.cum[hi] - self.cum[lo]))
                den += w
        return num / (den * self.cum[-1])
