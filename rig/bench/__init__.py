"""One bench: its drivers, its switches as the phones share them, and the proof of who sits where."""
