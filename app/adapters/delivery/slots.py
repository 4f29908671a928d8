"""Which leased deliveries are being sent and which wait their turn, per endpoint.

A relay leases up to twice the endpoint's concurrency: while ``per_endpoint`` are sent,
as many wait here, so a finished send starts the next at once, without a database round
trip, and claims come in batches rather than one per answer. A waiting delivery waits at
most about one send (``timeout``), which the lease (longer than two timeouts) covers.
"""

from __future__ import annotations

from collections import Counter, deque
from uuid import UUID

from app.services.delivery.ports import DeliveryJob


class DeliverySlots:
    def __init__(self, *, per_endpoint: int, overall: int) -> None:
        self.per_endpoint = per_endpoint
        self.overall = overall
        self.sending: Counter[UUID] = Counter()
        self.waiting: dict[UUID, deque[DeliveryJob]] = {}
        self.total_sending = 0

    @property
    def window(self) -> int:
        """Leases held per endpoint: the ones sending and as many waiting."""
        return 2 * self.per_endpoint

    def held(self) -> dict[UUID, int]:
        held = Counter(self.sending)
        for endpoint_id, queue in self.waiting.items():
            held[endpoint_id] += len(queue)
        return dict(held)

    def room(self) -> int:
        """How many more deliveries this relay may lease now."""
        waiting = sum(len(q) for q in self.waiting.values())
        return 2 * self.overall - self.total_sending - waiting

    def admit(self, job: DeliveryJob) -> bool:
        """True: send it now (counted as sending). False: it waits its turn."""
        if self.sending[job.endpoint_id] < self.per_endpoint and self.total_sending < self.overall:
            self._count(job.endpoint_id, 1)
            return True
        self.waiting.setdefault(job.endpoint_id, deque()).append(job)
        return False

    def finish(self, endpoint_id: UUID, *, start_next: bool = True) -> list[DeliveryJob]:
        """A send ended: the waiting deliveries that may start now (counted as sending)."""
        self._count(endpoint_id, -1)
        ready: list[DeliveryJob] = []
        if not start_next:
            return ready
        for candidate in [endpoint_id, *self.waiting]:
            queue = self.waiting.get(candidate)
            while (
                queue
                and self.sending[candidate] < self.per_endpoint
                and self.total_sending < self.overall
            ):
                ready.append(queue.popleft())
                self._count(candidate, 1)
            if queue is not None and not queue:
                del self.waiting[candidate]
        return ready

    def wants_more(self, endpoint_id: UUID) -> bool:
        """Worth a claim: half or less of what may wait is waiting, so a refill comes before
        the sends run dry, and brings at least half a window."""
        return len(self.waiting.get(endpoint_id, ())) <= self.per_endpoint // 2

    def take_waiting(self) -> list[DeliveryJob]:
        """Everything still waiting (at shutdown, to give the leases back)."""
        jobs = [job for queue in self.waiting.values() for job in queue]
        self.waiting.clear()
        return jobs

    def _count(self, endpoint_id: UUID, delta: int) -> None:
        self.sending[endpoint_id] += delta
        self.total_sending += delta
        if self.sending[endpoint_id] <= 0:
            del self.sending[endpoint_id]
