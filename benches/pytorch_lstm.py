#!/usr/bin/env python3
"""PyTorch reference for `lstmuse bench train --pytorch`: the same network and step on the CPU.

One-hot input of VOCAB symbols -> nn.LSTM(VOCAB -> HIDDEN) -> dropout 0.2 -> Linear(HIDDEN -> VOCAB),
cross-entropy over every position, Adam (weight decay 1e-6), gradient-norm clipping at 1.0,
batch 64, sequence 64, random ids. Prints one JSON object: time steps per second, ms per batch
(and its forward / backward / optimizer parts) and peak resident memory.

Run: python benches/pytorch_lstm.py [--batches 20] [--warmup 3] [--threads 2]
"""

import argparse
import json
import resource
import time

import torch
from torch import nn
from torch.nn import functional as F


class MelodyLstm(nn.Module):
    def __init__(self, vocab: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.vocab = vocab
        self.lstm = nn.LSTM(vocab, hidden, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden, vocab)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = F.one_hot(ids, self.vocab).float()  # [batch, seq, vocab]
        hs, _ = self.lstm(x)  # [batch, seq, hidden]
        return self.output(self.dropout(hs))  # [batch, seq, vocab]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--batches", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--vocab", type=int, default=38)
    p.add_argument("--lr", type=float, default=1e-3)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    model = MelodyLstm(args.vocab, args.hidden, 0.2)
    model.train()
    optim = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-6)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(7)

    forward_s = backward_s = optim_s = 0.0
    start = 0.0
    for b in range(args.warmup + args.batches):
        if b == args.warmup:
            forward_s = backward_s = optim_s = 0.0
            start = time.perf_counter()
        window = torch.randint(0, args.vocab, (args.batch, args.seq + 1), generator=gen)
        inputs, targets = window[:, :-1], window[:, 1:]
        t0 = time.perf_counter()
        logits = model(inputs)
        loss = loss_fn(logits.reshape(-1, args.vocab), targets.reshape(-1))
        loss_value = loss.item()
        t1 = time.perf_counter()
        optim.zero_grad(set_to_none=True)
        loss.backward()
        t2 = time.perf_counter()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        t3 = time.perf_counter()
        forward_s += t1 - t0
        backward_s += t2 - t1
        optim_s += t3 - t2
    elapsed = time.perf_counter() - start
    n = max(args.batches, 1)
    steps = args.batch * args.seq * n
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "batches": n,
                "steps_per_sec": steps / elapsed,
                "ms_per_batch": elapsed * 1e3 / n,
                "forward_ms": forward_s * 1e3 / n,
                "backward_ms": backward_s * 1e3 / n,
                "optimizer_ms": optim_s * 1e3 / n,
                # Linux reports ru_maxrss in KiB.
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                "last_loss": loss_value,
            }
        )
    )


if __name__ == "__main__":
    main()
