package org.tarflow4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.config.DataConfig;

/** The embedded default corpus: the English filter on known lines, and the real extraction once. */
class EuroparlTest {
    @Test
    void englishFilterOnKnownLines() {
        assertTrue(EuroparlRecipe.isEnglish(
                "Ladies and gentlemen, please firstly allow me to thank all our many collaborators, "
                        + "our interpreters and the staff of the House for the work they have done."));
        assertTrue(
                EuroparlRecipe.isEnglish("It is a question of the development of the internal market, which we have to "
                        + "complete in the interest of all citizens."));
        assertFalse(
                EuroparlRecipe.isEnglish(
                        "Jeg erklærer Europa-Parlamentets session for afbrudt. (Mødet hævet kl. 13.15)"),
                "Danish");
        assertFalse(
                EuroparlRecipe.isEnglish(
                        "Het is van groot belang om ervoor te zorgen dat voedings- en gezondheidsclaims "
                                + "juist en betrouwbaar zijn."),
                "Dutch, which shares 'is', 'in' and 'van'-like words");
        assertFalse(
                EuroparlRecipe.isEnglish("Dichiaro ripresa la seduta del Parlamento europeo interrotta giovedì."),
                "Italian");
        assertFalse(
                EuroparlRecipe.isEnglish("Το επόμενο σημείο είναι η κοινή συζήτηση σχετικά με την έκθεση in the House"),
                "Greek with a few English words: the share counts words of every script");
        assertFalse(EuroparlRecipe.isEnglish("2011-2013. (SK) 12.55"), "no words");
    }

    @Test
    void extractsTheEnglishDocumentsOnceAndReusesTheCache(@TempDir Path cache) {
        List<String> log = new ArrayList<>();
        Corpus c = Corpus.open(new DataConfig("europarl", cache.toString()), log::add);
        Map<String, Object> m = c.manifest();
        long documents = (Long) m.get("documents");
        long train = c.split("train").size();
        long valid = c.split("valid").size();
        long test = c.split("test").size();
        System.out.printf(
                "europarl: %d English documents; train %d, valid %d, test %d characters%n",
                documents, train, valid, test);
        assertEquals(1271, documents, "English documents of the 17,597 lines");
        long total = train + valid + test;
        assertTrue(total > 1_200_000 && total < 1_300_000, "about 1.24M characters: " + total);
        assertEquals(0.90, (double) train / total, 0.005, "train is about 90% (cut at a document boundary)");
        assertEquals(0.05, (double) valid / total, 0.005, "valid is about 5%");
        assertEquals("text8", c.tokenizer().name());
        assertEquals(cache.resolve("europarl").toAbsolutePath(), c.directory());
        assertEquals(EuroparlRecipe.LOCATION, ((Map<?, ?>) ((List<?>) m.get("sources")).get(0)).get("location"));
        String start = Fixtures.text(c, "valid").substring(0, 300);
        assertTrue(start.matches("[a-z ]+") && !start.contains("  "), start);
        System.out.println("valid begins: " + start);

        log.clear();
        Corpus again = Corpus.open(new DataConfig("europarl", cache.toString()), log::add);
        assertEquals(List.of(), log, "the second open uses the cache");
        assertEquals(m, again.manifest());
    }
}
