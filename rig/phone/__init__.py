"""Phone knowledge as sourced data: profiles, keypad scripts, and the witnesses that judge them."""
