"""SQL files and the code that runs them: estimates, intervals, disclosure control, CLI."""
