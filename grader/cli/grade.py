"""`learnnn grade`: bulk grading for instructors (being written)."""
